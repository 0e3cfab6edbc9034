"""Staleness (DESIGN §2): computed when asked, pointer-level, parallel shards are siblings, the window is honoured."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from mltrace_otel.config import ConfigError
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import StaleReason
from mltrace_otel.queries.staleness import describe_age, stale_reasons
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.span_record import SpanRecord
from tests.helpers import count_statements, run_record

DAY = 86_400


def reasons_of(engine: Engine, run: SpanRecord, window: timedelta | None = None) -> list[StaleReason]:
    with engine.connect() as conn:
        return stale_reasons(conn, [run.span_id], window)[run.span_id]


def test_a_run_whose_dependencies_are_current_is_fresh(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"], outputs=["model.pkl"])
    ingest_spans(engine, [etl, train])
    assert reasons_of(engine, train) == []


def test_a_newer_run_of_the_same_component_writing_the_same_pointer_supersedes_the_dependency(engine: Engine) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"], outputs=["model.pkl"])
    etl_new = run_record("etl", 10, 11, outputs=["data.csv"])
    ingest_spans(engine, [etl_old, train, etl_new])

    [reason] = reasons_of(engine, train)
    assert reason.dependency_id == etl_old.span_id
    assert reason.newer_run_id == etl_new.span_id
    # A sentence naming the dependency, the newer run and the pointer it rewrote.
    assert etl_old.span_id in reason.reason and etl_new.span_id in reason.reason
    assert "data.csv" in reason.reason and "superseded" in reason.reason


def test_staleness_is_computed_when_asked_not_frozen_when_the_run_was_stored(engine: Engine) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"])
    ingest_spans(engine, [etl_old, train])
    assert reasons_of(engine, train) == []

    etl_new = run_record("etl", 10, 11, outputs=["data.csv"])
    ingest_spans(engine, [etl_new])
    assert [r.newer_run_id for r in reasons_of(engine, train)] == [etl_new.span_id]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_verdict_does_not_depend_on_arrival_order(engine: Engine, seed: int) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"])
    etl_newer = run_record("etl", 10, 11, outputs=["data.csv"])
    etl_newest = run_record("etl", 20, 21, outputs=["data.csv"])
    runs = [etl_old, train, etl_newer, etl_newest]
    random.Random(seed).shuffle(runs)
    for run in runs:  # one batch per span: the worst case for late arrival
        ingest_spans(engine, [run])

    [reason] = reasons_of(engine, train)
    assert (reason.dependency_id, reason.newer_run_id) == (etl_old.span_id, etl_newest.span_id)


def test_a_newer_run_that_wrote_a_different_pointer_does_not_supersede(engine: Engine) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["2024-01.csv"])
    train = run_record("train", 2, 3, inputs=["2024-01.csv"])
    etl_next_month = run_record("etl", 10, 11, outputs=["2024-02.csv"])
    ingest_spans(engine, [etl_old, train, etl_next_month])
    assert reasons_of(engine, train) == []


def test_another_component_rewriting_the_pointer_is_not_a_fresher_run_of_the_dependency(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"])
    fixup = run_record("fixup", 10, 11, outputs=["data.csv"])
    ingest_spans(engine, [etl, train, fixup])
    assert reasons_of(engine, train) == []


def test_a_124_shard_training_input_gives_zero_warnings(engine: Engine) -> None:
    # mltrace reported 123 warnings here: every shard but the last looked like an older run of "preprocess".
    parts = [f"shards/part-{i:03}.parquet" for i in range(124)]
    shards = [run_record("preprocess", i * 0.5, i * 0.5 + 3, outputs=[part]) for i, part in enumerate(parts)]
    train = run_record("train", 100, 200, inputs=parts)
    ingest_spans(engine, [*shards, train])

    assert reasons_of(engine, train) == []
    with engine.connect() as conn:
        assert all(reasons == [] for reasons in stale_reasons(conn, [s.span_id for s in shards]).values())


def test_parallel_shards_writing_one_shared_pointer_are_siblings_not_fresher_runs(engine: Engine) -> None:
    # Overlapping shards of uneven length all write the same marker: the one that *ended* last is the dependency,
    # and the shards that started after it started (but before it ended) must not count as newer.
    rng = random.Random(7)
    shards = [
        run_record("preprocess", start, start + rng.uniform(1, 30), outputs=["shards/_SUCCESS", f"part-{i}"])
        for i, start in enumerate(rng.uniform(0, 10) for _ in range(124))
    ]
    train = run_record("train", 100, 200, inputs=["shards/_SUCCESS", *(f"part-{i}" for i in range(124))])
    ingest_spans(engine, [*shards, train])
    assert reasons_of(engine, train) == []


def test_rerunning_one_shard_marks_exactly_that_dependency(engine: Engine) -> None:
    shards = [run_record("preprocess", i, i + 1, outputs=[f"part-{i}"]) for i in range(124)]
    train = run_record("train", 200, 300, inputs=[f"part-{i}" for i in range(124)])
    rerun = run_record("preprocess", 400, 401, outputs=["part-7"])
    ingest_spans(engine, [*shards, train, rerun])

    [reason] = reasons_of(engine, train)
    assert (reason.dependency_id, reason.newer_run_id) == (shards[7].span_id, rerun.span_id)
    assert "part-7" in reason.reason


def test_an_overlapping_retry_is_not_a_newer_version(engine: Engine) -> None:
    long_run = run_record("etl", 0, 12, outputs=["data.csv"])
    retry = run_record("etl", 5, 10, outputs=["data.csv"])  # started before long_run ended
    train = run_record("train", 20, 21, inputs=["data.csv"])
    ingest_spans(engine, [long_run, retry, train])
    assert reasons_of(engine, train) == []


def test_one_reason_per_superseded_dependency_naming_every_pointer_the_newest_run_rewrote(engine: Engine) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["a.csv", "b.csv", "c.csv"])
    train = run_record("train", 2, 3, inputs=["a.csv", "b.csv", "c.csv"])
    etl_mid = run_record("etl", 5, 6, outputs=["c.csv"])
    etl_new = run_record("etl", 10, 11, outputs=["a.csv", "b.csv"])
    ingest_spans(engine, [etl_old, train, etl_mid, etl_new])

    [reason] = reasons_of(engine, train)
    assert reason.newer_run_id == etl_new.span_id
    assert "a.csv, b.csv" in reason.reason and "c.csv" not in reason.reason


def test_a_component_that_rewrites_its_own_input_is_not_made_stale_by_its_successors(engine: Engine) -> None:
    first = run_record("train", 0, 1, outputs=["model.pkl"])
    second = run_record("train", 2, 3, inputs=["model.pkl"], outputs=["model.pkl"])
    third = run_record("train", 4, 5, inputs=["model.pkl"], outputs=["model.pkl"])
    ingest_spans(engine, [first, second, third])
    with engine.connect() as conn:
        found = stale_reasons(conn, [first.span_id, second.span_id, third.span_id])
    assert found == {first.span_id: [], second.span_id: [], third.span_id: []}


def test_a_dependency_older_than_the_window_is_reported_with_its_age(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 45 * DAY, 45 * DAY + 10, inputs=["data.csv"])
    ingest_spans(engine, [etl, train])

    [reason] = reasons_of(engine, train)
    assert reason.dependency_id == etl.span_id and reason.newer_run_id is None
    assert "45 days" in reason.reason and "30 days" in reason.reason
    assert reasons_of(engine, train, timedelta(days=60)) == []


def test_the_window_comes_from_mltrace_staleness_days(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 20 * DAY, 20 * DAY + 1, inputs=["data.csv"])
    ingest_spans(engine, [etl, train])
    assert reasons_of(engine, train) == []

    monkeypatch.setenv("MLTRACE_STALENESS_DAYS", "10")
    [reason] = reasons_of(engine, train)
    assert "20 days" in reason.reason and "10 days" in reason.reason

    monkeypatch.setenv("MLTRACE_STALENESS_DAYS", "soon")
    with pytest.raises(ConfigError, match="MLTRACE_STALENESS_DAYS"):
        reasons_of(engine, train)


def test_a_dependency_can_be_both_superseded_and_old(engine: Engine) -> None:
    etl_old = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 40 * DAY, 40 * DAY + 1, inputs=["data.csv"])
    etl_new = run_record("etl", 41 * DAY, 41 * DAY + 1, outputs=["data.csv"])
    ingest_spans(engine, [etl_old, train, etl_new])
    reasons = reasons_of(engine, train)
    assert [r.newer_run_id for r in reasons] == [etl_new.span_id, None]
    assert all(r.dependency_id == etl_old.span_id for r in reasons)


def test_span_link_dependencies_age_but_are_never_superseded(engine: Engine) -> None:
    upstream = run_record("label", 0, 1)
    consumer = run_record("train", 40 * DAY, 40 * DAY + 1, links=[upstream.span_id])
    ingest_spans(engine, [upstream, consumer, run_record("label", 2, 3)])
    [reason] = reasons_of(engine, consumer)
    assert reason.dependency_id == upstream.span_id and "40 days" in reason.reason


def test_every_requested_id_gets_an_entry_in_one_statement(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    runs = [run_record("train", 2 + i, 3 + i, inputs=["data.csv"]) for i in range(50)]
    ingest_spans(engine, [etl, *runs, run_record("etl", 100, 101, outputs=["data.csv"])])
    ids = [r.span_id for r in runs] + ["ffffffffffffffff"]
    with engine.connect() as conn, count_statements(engine) as counter:
        found = stale_reasons(conn, ids)
    assert counter.count == 1
    assert set(found) == set(ids) and found["ffffffffffffffff"] == []
    assert all(len(found[r.span_id]) == 1 for r in runs)


def test_a_window_that_is_not_positive_is_refused(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(InvalidArgument, match="positive"):
        stale_reasons(conn, [], timedelta(0))


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(1, "1 second"), (90, "90 seconds"), (170, "3 minutes"), (36 * 3600, "36 hours"), (45 * DAY, "45 days")],
)
def test_ages_read_as_people_say_them(seconds: int, said: str) -> None:
    assert describe_age(seconds * 10**9) == said
