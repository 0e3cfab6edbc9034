"""``ingest_spans``: one transaction, a few statements per batch, the same span stored once however often sent."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, text

from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import count_statements, run_record

TABLES = ("spans", "run_io", "run_edges", "components", "component_tags", "io_pointers", "code_snapshots")


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}


def _pipeline() -> list:
    code = {"mltrace.code.snapshot": "def f():\n    return 1\n", "mltrace.tags": ["daily"]}
    return [
        run_record("ingest", 0, 1, outputs=["raw.csv"], attributes=code),
        run_record("clean", 2, 3, inputs=["raw.csv"], outputs=["clean.csv"], attributes=code),
        run_record("train", 4, 5, inputs=["clean.csv"], outputs=["model.pkl"]),
    ]


def test_delivering_the_same_batch_twice_stores_it_once(engine: Engine) -> None:
    batch = _pipeline()
    first = ingest_spans(engine, batch)
    assert (first.received, first.stored, first.duplicates, first.rejected) == (3, 3, 0, [])
    assert first.new_span_ids == [r.span_id for r in batch]
    after_first = _counts(engine)
    second = ingest_spans(engine, batch)
    assert (second.received, second.stored, second.duplicates) == (3, 0, 3)
    assert second.new_span_ids == []
    assert _counts(engine) == after_first
    assert after_first["code_snapshots"] == 1  # one distinct source, stored once
    assert after_first["run_edges"] == 2


def test_a_span_repeated_inside_one_batch_is_stored_once(engine: Engine) -> None:
    run = run_record("etl", 0, 1, outputs=["x"])
    result = ingest_spans(engine, [run, run, run])
    assert (result.received, result.stored, result.duplicates) == (3, 1, 2)
    assert _counts(engine)["spans"] == 1
    assert _counts(engine)["run_io"] == 1


def test_overlapping_batches_store_each_span_once_and_link_them(engine: Engine) -> None:
    a, b, c = _pipeline()
    ingest_spans(engine, [a, b])
    result = ingest_spans(engine, [b, c])
    assert (result.stored, result.duplicates) == (1, 1)
    counts = _counts(engine)
    assert counts["spans"] == 3 and counts["run_edges"] == 2


def test_a_redelivered_span_with_changed_content_keeps_the_first_version_and_says_so(engine: Engine) -> None:
    # Span ids are unique per span: a second version is a client bug; the store keeps what it stored first,
    # and reports the conflict instead of counting it as a harmless duplicate.
    run = run_record("etl", 0, 1, outputs=["x"])
    ingest_spans(engine, [run])
    changed = replace(run, attributes={**run.attributes, "mltrace.outputs": ["y"]})
    result = ingest_spans(engine, [changed])
    assert (result.stored, result.duplicates) == (0, 0)
    (conflict,) = result.conflicts
    assert conflict.span_id == run.span_id
    assert "attribute 'mltrace.outputs' stored ['x'], received ['y']" in conflict.reason
    assert "the stored one is kept" in conflict.reason
    assert ingest_spans(engine, [run]).duplicates == 1  # the same content again is a plain duplicate
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pointer FROM run_io")).scalars().all() == ["x"]


def test_two_versions_of_one_span_in_one_batch_are_a_conflict(engine: Engine) -> None:
    run = run_record("etl", 0, 1, outputs=["x"])
    later = replace(run, end_ns=run.end_ns + 5)
    result = ingest_spans(engine, [run, later, run])
    assert (result.stored, result.duplicates, len(result.conflicts)) == (1, 1, 1)
    assert "end_ns stored" in result.conflicts[0].reason


def test_an_empty_batch_costs_nothing(engine: Engine) -> None:
    with count_statements(engine) as counter:
        result = ingest_spans(engine, [])
    assert (result.received, result.stored) == (0, 0)
    assert counter.count == 0


def test_a_batch_costs_the_same_statements_whatever_its_size(engine: Engine) -> None:
    def batch(n: int, tag: str) -> list:
        return [run_record(f"c{i % 5}", i, i + 1, inputs=[f"{tag}-{i - 1}"], outputs=[f"{tag}-{i}"]) for i in range(n)]

    ingest_spans(engine, batch(5, "warm"))  # first use: engine set-up and migration checks
    with count_statements(engine) as small:
        ingest_spans(engine, batch(10, "small"))
    with count_statements(engine) as large:
        ingest_spans(engine, batch(1_000, "large"))
    assert large.count == small.count
    assert small.count < 40


def test_ingest_inside_a_caller_transaction_commits_with_it(engine: Engine) -> None:
    run = run_record("etl", 0, 1, outputs=["x"])
    with engine.connect() as conn:
        trans = conn.begin()
        ingest_spans(conn, [run])
        trans.rollback()
    assert _counts(engine)["spans"] == 0
    with engine.begin() as conn:
        ingest_spans(conn, [run])
    assert _counts(engine)["spans"] == 1
