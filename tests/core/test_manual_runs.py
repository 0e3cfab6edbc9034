"""``ComponentRun`` + ``log_component_run``: hand-built runs with explicit timestamps, as mltrace back-filled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mltrace_otel import ComponentRun, NotFound, log_component_run
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
    run.set_git_hash("a" * 40)
    run.set_code_snapshot(b"def etl():\n    return 'caf\xc3\xa9'\n")
    run.add_notes("back-filled from the old scheduler")
    run_id = log_component_run(run)
    assert run.id == run_id and len(run_id) == 16
    stored = store.only_run("etl")
    assert stored.id == run_id
    assert stored.start == T0 and stored.end == T0 + timedelta(minutes=5)
    assert stored.git_hash == "a" * 40
    assert stored.notes == "back-filled from the old scheduler"
    assert store.io(run_id).inputs == ["s3://raw/day1.csv"]
    assert store.io(run_id).outputs == ["warehouse.events"]
    with store.connect() as conn:
        assert run_details(conn, [get_run(conn, run_id)])[run_id].code_snapshot == "def etl():\n    return 'café'\n"


def test_float_epoch_seconds_are_accepted_as_timestamps(store: Store) -> None:
    start = T0.timestamp()
    log_component_run(ComponentRun("epoch", start_timestamp=start, end_timestamp=start + 1.5))
    stored = store.only_run("epoch")
    assert stored.start == T0
    assert stored.duration_ms == pytest.approx(1500)


def test_set_start_and_end_time_default_to_now(store: Store) -> None:
    run = ComponentRun("timed")
    run.set_start_time()
    run.set_end_time()
    log_component_run(run)
    stored = store.only_run("timed")
    assert abs(stored.start - datetime.now(UTC)) < timedelta(minutes=5)
    assert stored.end >= stored.start


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


def test_repr_names_the_component_and_id(store: Store) -> None:
    run = _run("shown", 0, 1, outputs=["x.csv"])
    log_component_run(run)
    assert repr(run) == f"ComponentRun('shown', id={run.id!r}, inputs=[], outputs=['x.csv'])"
