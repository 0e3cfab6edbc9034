"""Failed runs do not produce (docs/design.md §2): a failed run keeps the outputs it was to write, but the latest
*successful* producer is the producer when one exists; a newer failed attempt is shown as such (here the query
layer; GraphQL and the CLI in their suites)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine

from mltrace_otel.queries.failed_attempts import newer_failed_attempts
from mltrace_otel.queries.lineage import latest_producers, lineage
from mltrace_otel.queries.runs import run_io_by_ids
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import count_statements, run_record


def _attempts(engine: Engine, run: SpanRecord) -> list[tuple[str, list[str]]]:
    with engine.connect() as conn:
        return [(a.run_id, a.pointers) for a in newer_failed_attempts(conn, [run.span_id])[run.span_id]]


def _producer(engine: Engine, pointer: str) -> str | None:
    with engine.connect() as conn:
        return latest_producers(conn, [pointer]).get(pointer)


def test_a_newer_failed_attempt_does_not_replace_the_producer(engine: Engine) -> None:
    good = run_record("train", 0, 1, outputs=["model.pkl"])
    failed = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    consumer = run_record("serve", 4, 5, inputs=["model.pkl"])
    ingest_spans(engine, [good, failed, consumer])
    assert _producer(engine, "model.pkl") == good.span_id
    with engine.connect() as conn:
        graph = lineage(conn, output="model.pkl")
        assert graph.roots == [good.span_id]
        assert {e.producer_id for e in lineage(conn, run_ids=[consumer.span_id]).edges} == {good.span_id}
        # The failed run keeps the outputs it was to write.
        assert run_io_by_ids(conn, [failed.span_id])[failed.span_id].outputs == ["model.pkl"]
    assert _attempts(engine, good) == [(failed.span_id, ["model.pkl"])]


def test_with_no_successful_producer_the_latest_failed_attempt_is_shown(engine: Engine) -> None:
    first = run_record("train", 0, 1, outputs=["model.pkl"], status="ERROR")
    second = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    consumer = run_record("serve", 4, 5, inputs=["model.pkl"])
    ingest_spans(engine, [first, second, consumer])
    assert _producer(engine, "model.pkl") == second.span_id
    with engine.connect() as conn:
        assert {e.producer_id for e in lineage(conn, run_ids=[consumer.span_id]).edges} == {second.span_id}
    assert _attempts(engine, first) == [(second.span_id, ["model.pkl"])]


def test_a_success_after_the_failure_produces_and_the_old_run_keeps_its_history(engine: Engine) -> None:
    old = run_record("train", 0, 1, outputs=["model.pkl", "metrics.json"])
    failed = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    new = run_record("train", 4, 5, outputs=["model.pkl"])
    failed_after_new = run_record("train", 6, 7, outputs=["model.pkl"], status="ERROR")
    ingest_spans(engine, [old, failed, new, failed_after_new])
    assert _producer(engine, "model.pkl") == new.span_id
    # Attempts at the old run's outputs end where a success rewrote them; later ones belong to the new run.
    assert _attempts(engine, old) == [(failed.span_id, ["model.pkl"])]
    assert _attempts(engine, new) == [(failed_after_new.span_id, ["model.pkl"])]
    assert _attempts(engine, failed_after_new) == []


def test_attempts_name_every_pointer_they_failed_to_rewrite_newest_first(engine: Engine) -> None:
    run = run_record("etl", 0, 1, outputs=["a.csv", "b.csv", "c.csv"])
    partial = run_record("etl", 2, 3, outputs=["a.csv", "b.csv"], status="ERROR")
    latest = run_record("etl", 4, 5, outputs=["c.csv"], status="ERROR")
    ingest_spans(engine, [run, partial, latest])
    assert _attempts(engine, run) == [(latest.span_id, ["c.csv"]), (partial.span_id, ["a.csv", "b.csv"])]
    ids = [run.span_id, partial.span_id, "ffffffffffffffff"]
    with engine.connect() as conn, count_statements(engine) as counter:
        found = newer_failed_attempts(conn, ids)
    assert counter.count == 1 and set(found) == set(ids)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_producer_does_not_depend_on_arrival_order(engine: Engine, seed: int) -> None:
    good = run_record("train", 0, 1, outputs=["model.pkl"])
    failed = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    consumer = run_record("serve", 4, 5, inputs=["model.pkl"])
    runs = [good, failed, consumer]
    random.Random(seed).shuffle(runs)
    for run in runs:
        ingest_spans(engine, [run])
    with engine.connect() as conn:
        assert {e.producer_id for e in lineage(conn, run_ids=[consumer.span_id]).edges} == {good.span_id}
