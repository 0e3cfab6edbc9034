"""Staleness (docs/design.md §2), computed when asked: mltrace 0.17's two rules (a dependency that started too long
ago; a newer successful run of its component that this run ignored) and the live one (a pointer it read was rewritten).
Parallel shards are siblings, failed runs are not fresher versions, the threshold is honoured per run."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from mltrace_otel.config import ConfigError
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import StaleReason
from mltrace_otel.queries.staleness import NEWER_RUN, REWRITTEN, TOO_OLD, describe_age, stale_reasons
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
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
    assert reason.dependency_id == etl_old.span_id and reason.kind == REWRITTEN
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
    assert reason.dependency_id == etl.span_id and reason.newer_run_id is None and reason.kind == TOO_OLD
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


def test_span_link_dependencies_age_and_have_newer_runs_but_are_never_rewritten(engine: Engine) -> None:
    upstream = run_record("label", 0, 1)
    consumer = run_record("train", 40 * DAY, 40 * DAY + 1, links=[upstream.span_id])
    newer = run_record("label", 2, 3)
    ingest_spans(engine, [upstream, consumer, newer])
    reasons = reasons_of(engine, consumer)
    assert [(r.kind, r.dependency_id, r.newer_run_id) for r in reasons] == [
        (NEWER_RUN, upstream.span_id, newer.span_id),
        (TOO_OLD, upstream.span_id, None),
    ]
    assert "40 days" in reasons[1].reason


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


# mltrace 0.17's first rule: age is measured from the dependency's start, with the threshold the run was recorded with.


def test_age_is_measured_from_the_dependency_s_start_not_its_end(engine: Engine) -> None:
    # mltrace's stale.py: a run that started two months ago and only just finished is two months old.
    long_job = run_record("some_old_component", 0, 60 * DAY - 10, outputs=["model_1"])
    inference = run_record("inference", 60 * DAY, 60 * DAY + 1, inputs=["model_1"])
    ingest_spans(engine, [long_job, inference])
    [reason] = reasons_of(engine, inference)
    assert (reason.kind, reason.dependency_id) == (TOO_OLD, long_job.span_id)
    assert "started 60 days before this run started" in reason.reason


def test_the_threshold_a_run_was_recorded_with_wins_over_the_default(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    strict = run_record(
        "train", 2 * DAY, 2 * DAY + 1, inputs=["data.csv"], attributes={"mltrace.staleness_threshold": DAY}
    )
    lenient = run_record(
        "train", 45 * DAY, 45 * DAY + 1, inputs=["data.csv"], attributes={"mltrace.staleness_threshold": 60 * DAY}
    )
    default = run_record("train", 3 * DAY, 3 * DAY + 1, inputs=["data.csv"])
    ingest_spans(engine, [etl, strict, lenient, default])
    [reason] = reasons_of(engine, strict)
    assert reason.kind == TOO_OLD and "2 days" in reason.reason and "(staleness threshold: 24 hours)" in reason.reason
    assert reasons_of(engine, lenient) == []
    assert reasons_of(engine, default) == []


@pytest.mark.parametrize("threshold", ["soon", -5, 0, True, [1]])
def test_a_recorded_threshold_that_means_nothing_falls_back_to_the_default(engine: Engine, threshold: object) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record(
        "train", 45 * DAY, 45 * DAY + 1, inputs=["data.csv"], attributes={"mltrace.staleness_threshold": threshold}
    )
    ingest_spans(engine, [etl, train])
    [reason] = reasons_of(engine, train)
    assert reason.kind == TOO_OLD and "(staleness threshold: 30 days)" in reason.reason


# mltrace 0.17's second rule: a newer successful run of the dependency's component that this run did not use.


def test_mltrace_s_stale_scenario_a_retrain_inference_ignored_and_a_two_month_old_dependency(engine: Engine) -> None:
    training_0 = run_record("training", 60 * DAY, 60 * DAY + 1, inputs=["0"], outputs=["model_0"])
    old = run_record("some_old_component", 0, 60 * DAY + 2, inputs=["1"], outputs=["model_1"])
    training_2 = run_record("training", 60 * DAY + 3, 60 * DAY + 4, inputs=["2"], outputs=["model_2"])
    inference = run_record("inference", 60 * DAY + 5, 60 * DAY + 6, inputs=["model_0", "model_1"])
    ingest_spans(engine, [training_0, old, training_2, inference])

    reasons = reasons_of(engine, inference)
    assert [(r.kind, r.dependency_id, r.newer_run_id) for r in reasons] == [
        (TOO_OLD, old.span_id, None),
        (NEWER_RUN, training_0.span_id, training_2.span_id),
    ]
    newer = reasons[1].reason
    assert f"training run {training_0.span_id} is not the latest" in newer
    assert f"training run {training_2.span_id} started" in newer and "did not use it" in newer


def test_a_newer_run_that_this_run_also_consumed_is_not_fresher(engine: Engine) -> None:
    shard_a = run_record("preprocess", 0, 1, outputs=["part-a"])
    shard_b = run_record("preprocess", 5, 6, outputs=["part-b"])  # started after shard_a ended
    train = run_record("train", 10, 11, inputs=["part-a", "part-b"])
    ingest_spans(engine, [shard_a, shard_b, train])
    assert reasons_of(engine, train) == []


def test_a_124_shard_fan_in_with_sequential_shards_gives_zero_warnings(engine: Engine) -> None:
    # Every shard started after the one before it ended: each is "newer" than the others, and all were read.
    shards = [run_record("preprocess", 2 * i, 2 * i + 1, outputs=[f"part-{i}"]) for i in range(124)]
    train = run_record("train", 300, 301, inputs=[f"part-{i}" for i in range(124)])
    ingest_spans(engine, [*shards, train])
    assert reasons_of(engine, train) == []


def test_a_shard_the_run_skipped_makes_the_earlier_shards_stale(engine: Engine) -> None:
    shards = [run_record("preprocess", 2 * i, 2 * i + 1, outputs=[f"part-{i}"]) for i in range(5)]
    train = run_record("train", 20, 21, inputs=[f"part-{i}" for i in range(4)])  # part-4 left out
    ingest_spans(engine, [*shards, train])
    reasons = reasons_of(engine, train)
    assert [(r.kind, r.dependency_id, r.newer_run_id) for r in reasons] == [
        (NEWER_RUN, shards[i].span_id, shards[4].span_id) for i in range(4)
    ]


def test_a_failed_newer_run_is_an_attempt_not_a_fresher_version(engine: Engine) -> None:
    training = run_record("training", 0, 1, outputs=["model_0"])
    failed_retrain = run_record("training", 2, 3, outputs=["model_1"], status="ERROR")
    inference = run_record("inference", 4, 5, inputs=["model_0"])
    ingest_spans(engine, [training, failed_retrain, inference])
    assert reasons_of(engine, inference) == []


def test_a_newer_run_must_start_after_the_dependency_ended_and_before_this_run_started(engine: Engine) -> None:
    training = run_record("training", 0, 10, outputs=["model_0"])
    overlapping = run_record("training", 5, 12, outputs=["model_1"])  # started while training still ran
    later = run_record("training", 30, 31, outputs=["model_2"])  # started after inference started
    inference = run_record("inference", 20, 25, inputs=["model_0"])
    ingest_spans(engine, [training, overlapping, later, inference])
    assert reasons_of(engine, inference) == []


def test_the_newest_ignored_run_is_named(engine: Engine) -> None:
    training = run_record("training", 0, 1, outputs=["model_0"])
    retrains = [run_record("training", 2 + i, 3 + i, outputs=[f"model_{i + 1}"]) for i in range(3)]
    inference = run_record("inference", 10, 11, inputs=["model_0"])
    ingest_spans(engine, [training, *retrains, inference])
    [reason] = reasons_of(engine, inference)
    assert (reason.kind, reason.newer_run_id) == (NEWER_RUN, retrains[-1].span_id)


def test_an_incremental_update_that_skipped_the_latest_model_is_stale(engine: Engine) -> None:
    first = run_record("train", 0, 1, outputs=["model_1.pkl"])
    second = run_record("train", 2, 3, inputs=["model_1.pkl"], outputs=["model_2.pkl"])
    third = run_record("train", 4, 5, inputs=["model_1.pkl"], outputs=["model_3.pkl"])  # should have read model_2
    ingest_spans(engine, [first, second, third])
    with engine.connect() as conn:
        found = stale_reasons(conn, [second.span_id, third.span_id])
    assert found[second.span_id] == []
    assert [(r.kind, r.newer_run_id) for r in found[third.span_id]] == [(NEWER_RUN, second.span_id)]


def test_a_failed_rewrite_does_not_supersede(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv"])
    train = run_record("train", 2, 3, inputs=["data.csv"])
    failed_etl = run_record("etl", 10, 11, outputs=["data.csv"], status="ERROR")
    ingest_spans(engine, [etl, train, failed_etl])
    assert reasons_of(engine, train) == []


def test_all_three_rules_on_one_dependency_in_a_fixed_order(engine: Engine) -> None:
    etl = run_record("etl", 0, 1, outputs=["data.csv", "extra.csv"])
    newer = run_record("etl", 35 * DAY, 35 * DAY + 1, outputs=["other.csv"])
    train = run_record("train", 40 * DAY, 40 * DAY + 1, inputs=["data.csv"])
    rewrite = run_record("etl", 41 * DAY, 41 * DAY + 1, outputs=["data.csv"])
    ingest_spans(engine, [etl, newer, train, rewrite])
    reasons = reasons_of(engine, train)
    assert [(r.kind, r.newer_run_id) for r in reasons] == [
        (REWRITTEN, rewrite.span_id),
        (NEWER_RUN, newer.span_id),
        (TOO_OLD, None),
    ]
    assert all(r.dependency_id == etl.span_id for r in reasons)


def test_the_newer_run_rule_costs_one_step_per_shard_not_one_per_pair(engine: Engine) -> None:
    # 2,000 sequential shards all read by one run: still one statement, and silent.
    shards = [run_record("preprocess", i, i + 0.5, outputs=[f"part-{i}"]) for i in range(2_000)]
    train = run_record("train", 3_000, 3_001, inputs=[f"part-{i}" for i in range(2_000)])
    ingest_spans(engine, [*shards, train])
    with engine.connect() as conn, count_statements(engine) as counter:
        assert stale_reasons(conn, [train.span_id]) == {train.span_id: []}
    assert counter.count == 1
