"""``ComponentRun`` + ``log_component_run``: hand-built runs with explicit timestamps, as mltrace back-filled."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import mltrace_otel as mltrace
from mltrace_otel import ComponentRun, IOPointer, NotFound, PointerTypeEnum, log_component_run
from mltrace_otel.queries.details import run_details
from mltrace_otel.queries.runs import get_run
from tests.core.conftest import Store

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _run(component: str, start_min: int, end_min: int, **kwargs: object) -> ComponentRun:
    return ComponentRun(
        component,
        start_timestamp=T0 + timedelta(minutes=start_min),
        end_timestamp=T0 + timedelta(minutes=end_min),
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_logged_run_keeps_its_own_timestamps_io_and_code(store: Store) -> None:
    run = _run("etl", 0, 5, inputs=["s3://raw/day1.csv"], outputs=["warehouse.events"])
    run.git_hash = "a" * 40
    run.git_tags = ["v1"]
    run.code_snapshot = b"def etl():\n    return 'caf\xc3\xa9'\n"
    run.notes = "back-filled from the old scheduler"
    run_id = log_component_run(run)
    assert run.id == run_id and len(run_id) == 16
    stored = store.only_run("etl")
    assert stored.id == run_id
    assert stored.start == T0 and stored.end == T0 + timedelta(minutes=5)
    assert stored.git_hash == "a" * 40 and stored.git_tags == ["v1"]
    assert stored.notes == "back-filled from the old scheduler"
    assert store.io(run_id).inputs == ["s3://raw/day1.csv"]
    assert store.io(run_id).outputs == ["warehouse.events"]
    with store.connect() as conn:
        assert run_details(conn, [get_run(conn, run_id)])[run_id].code_snapshot == "def etl():\n    return 'café'\n"


def test_a_run_without_timestamps_is_refused_as_mltrace_refused_it(store: Store) -> None:
    with pytest.raises(RuntimeError, match=r"untimed ComponentRun has no start and end timestamp"):
        log_component_run(ComponentRun("untimed"))
    half = ComponentRun("half")
    half.set_start_timestamp()
    with pytest.raises(RuntimeError, match=r"half ComponentRun has no end timestamp"):
        log_component_run(half)
    assert store.runs() == []


@pytest.mark.parametrize("bad", [1_709_294_400.0, "2024-03-01", 0])
def test_timestamps_that_are_not_datetimes_are_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="must be a datetime"):
        ComponentRun("epoch", start_timestamp=bad)  # type: ignore[arg-type]
    run = ComponentRun("epoch")
    with pytest.raises(TypeError, match="must be a datetime"):
        run.set_start_timestamp(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a datetime"):
        run.set_end_timestamp(bad)  # type: ignore[arg-type]


def test_naive_datetimes_are_utc_as_mltrace_s_utcnow(store: Store) -> None:
    naive = datetime(2024, 3, 1, 12, 0)
    log_component_run(ComponentRun("naive", start_timestamp=naive, end_timestamp=naive + timedelta(seconds=1.5)))
    stored = store.only_run("naive")
    assert stored.start == T0
    assert stored.duration_ms == pytest.approx(1500)


def test_set_start_and_end_timestamp_default_to_now(store: Store) -> None:
    run = ComponentRun("timed")
    run.set_start_timestamp()
    run.set_end_timestamp()
    log_component_run(run)
    stored = store.only_run("timed")
    assert abs(stored.start - datetime.now(UTC)) < timedelta(minutes=5)
    assert stored.end >= stored.start


def test_explicit_pointer_types_are_recorded_and_names_infer_theirs(store: Store) -> None:
    run = _run("score", 0, 1, inputs=[IOPointer("features", pointer_type=PointerTypeEnum.DATA)])
    run.add_input("weights.pkl")  # a name: its type is inferred (model)
    run.add_output(IOPointer("https://api/score"))  # UNKNOWN: the store infers endpoint from the name
    log_component_run(run)
    assert (mltrace.get_io_pointer("features").kind, mltrace.get_io_pointer("weights.pkl").kind) == ("data", "model")
    assert mltrace.get_io_pointer("https://api/score").pointer_type is PointerTypeEnum.ENDPOINT


def test_back_filled_runs_logged_out_of_order_get_the_in_order_lineage(store: Store) -> None:
    # Logged newest first: lineage follows the runs' own times, not the logging order.
    train = log_component_run(_run("train", 20, 30, inputs=["features.csv"], outputs=["model.pkl"]))
    feat_new = log_component_run(_run("featuregen", 40, 45, inputs=["clean.csv"], outputs=["features.csv"]))
    feat_old = log_component_run(_run("featuregen", 10, 15, inputs=["clean.csv"], outputs=["features.csv"]))
    clean = log_component_run(_run("clean", 0, 5, outputs=["clean.csv"]))
    assert store.dependencies(train) == {feat_old}  # the newer featuregen ran after training started
    assert store.dependencies(feat_old) == {clean}
    assert store.dependencies(feat_new) == {clean}


def test_set_upstream_links_to_the_latest_earlier_run_of_each_component(store: Store) -> None:
    old = log_component_run(_run("label", 0, 1, outputs=["labels-v1"]))
    newest_before = log_component_run(_run("label", 5, 6, outputs=["labels-v2"]))
    log_component_run(_run("label", 50, 51, outputs=["labels-v3"]))  # after the consumer started: not it
    consumer = _run("evaluate", 10, 12)
    consumer.set_upstream("label")
    consumer.set_upstream(["label"])  # repeated names are kept once
    cid = log_component_run(consumer)
    assert store.dependencies(cid) == {newest_before}
    assert old not in store.dependencies(cid)
    with store.connect() as conn:
        (edge,) = run_details(conn, [get_run(conn, cid)])[cid].dependencies
    assert edge.kind == "link"


def test_set_upstream_of_a_component_with_no_runs_is_a_clear_error(store: Store) -> None:
    run = _run("orphan", 0, 1)
    run.set_upstream("never_ran")
    with pytest.raises(NotFound, match=r"never_ran.*log the upstream component before"):
        log_component_run(run)
    assert store.runs("orphan") == []


def test_a_run_that_ends_before_it_starts_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        log_component_run(_run("backwards", 10, 5))
    assert store.runs() == []


def test_repr_is_json_naming_the_component_id_and_pointers(store: Store) -> None:
    run = _run("shown", 0, 1, outputs=["x.csv"])
    log_component_run(run)
    shown = json.loads(repr(run))
    assert (shown["component_name"], shown["id"], shown["outputs"]) == ("shown", run.id, ["x.csv"])
    assert shown["start_timestamp"] == T0.isoformat()


def test_without_dependencies_from_inputs_only_explicit_upstreams_are_dependencies(store: Store) -> None:
    label = log_component_run(_run("label", 0, 1, outputs=["labels.csv"]))
    log_component_run(_run("extract", 0, 1, outputs=["features.csv"]))
    train = _run("train", 5, 6, inputs=["features.csv", "labels.csv"])
    train.set_upstream("label")
    train_id = log_component_run(train, set_dependencies_from_inputs=False)
    assert store.io(train_id).inputs == ["features.csv", "labels.csv"]  # recorded all the same
    with store.connect() as conn:
        edges = run_details(conn, [get_run(conn, train_id)])[train_id].dependencies
    assert [(e.producer_id, e.kind) for e in edges] == [(label, "link")]
    # A producer that arrives later is not linked either.
    log_component_run(_run("extract", 2, 3, outputs=["features.csv"]))
    assert store.dependencies(train_id) == {label}


def test_the_staleness_threshold_is_recorded_with_the_run(store: Store) -> None:
    etl = log_component_run(_run("etl", 0, 1, outputs=["data.csv"]))
    strict = log_component_run(_run("train", 120, 121, inputs=["data.csv"]), staleness_threshold=3_600)
    lenient = log_component_run(_run("train", 130, 131, inputs=["data.csv"]))
    assert store.only_run("etl").id == etl
    [reason] = mltrace.get_component_run_information(strict).stale_reasons
    assert reason.kind == "too_old" and "(staleness threshold: 60 minutes)" in reason.reason
    assert mltrace.get_component_run_information(lenient).stale == []
    with pytest.raises(ValueError, match="positive"):
        log_component_run(_run("train", 140, 141), staleness_threshold=0)
