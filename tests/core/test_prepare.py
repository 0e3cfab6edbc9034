"""The Python half of ingest (prepare_spans): what it keeps, and how batches combine for group commit."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator

from sqlalchemy import Engine, func, select

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import write_prepared
from mltrace_otel.store.models import spans
from mltrace_otel.store.rows import PreparedSpans, prepare_spans
from tests.helpers import run_record


def _records() -> list[SpanRecord]:
    return [
        run_record("etl", 0, 1, outputs=["raw.csv"], attributes={"mltrace.tags": ["nightly"], "rows": [1, 2]}),
        run_record("train", 2, 3, inputs=["raw.csv", "labels.csv"], outputs=["model.pkl"], links=["00000000000000aa"]),
    ]


def test_a_prepared_batch_keeps_nothing_the_collector_has_to_scan() -> None:
    """Rows and runs are exact tuples of plain values and of such tuples, which the collector untracks (a nested
    tuple once its members are; two passes at most), so a batch waiting for its transaction does not add to the
    long-lived heap that full collections walk."""
    batch = prepare_spans(iter(_records()))
    gc.collect()
    gc.collect()
    kept = [*batch.rows.values(), *batch.runs.values()]
    assert len(batch.runs) == 2
    assert [obj for obj in kept if gc.is_tracked(obj)] == []


def test_records_may_be_a_generator_read_once() -> None:
    reads = 0

    def generate() -> Iterator[SpanRecord]:
        nonlocal reads
        for record in _records():
            reads += 1
            yield record

    batch = prepare_spans(generate())
    assert reads == 2
    assert batch.received == 2
    assert len(batch.rows) == 2


def test_extend_counts_a_span_in_two_requests_once(engine: Engine) -> None:
    first_records = _records()
    bad = dataclasses.replace(first_records[0], span_id="not-hex")
    first = prepare_spans([*first_records, bad])
    second = prepare_spans([first_records[1], run_record("score", 4, 5, inputs=["model.pkl"])])
    merged = PreparedSpans(now_ns=first.now_ns)
    merged.extend(first)
    merged.extend(second)
    assert (merged.received, len(merged.rows), merged.duplicates, len(merged.rejected)) == (5, 3, 1, 1)
    result = write_prepared(engine, merged)
    assert (result.stored, result.duplicates, len(result.rejected)) == (3, 1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(spans)).scalar_one() == 3
