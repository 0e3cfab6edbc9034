"""Store a batch whatever a few of its spans do: a span the database refuses is rejected alone, with the reason.

Validation (``SpanRecord.validate`` and store/text.py) catches what we know the databases refuse. For anything
else (a constraint or trigger of the user's, a limit we did not foresee) the batch's transaction fails as a
whole; :func:`write_isolating` then splits it in halves, and halves again, until each refused span is alone in
its transaction: k bad spans among n cost about 2·k·log2(n) extra transactions, and every other span is stored.
Errors that are not a span's fault (store unreachable, refusing all writes) are raised for the caller to retry.
"""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.store.faults import Fault, classify
from mltrace_otel.store.ingest import IngestResult, write_prepared
from mltrace_otel.store.rows import PreparedSpans, RejectedSpan


def write_isolating(engine: Engine, batch: PreparedSpans) -> IngestResult:
    """:func:`write_prepared` in its own transaction(s): a span-level failure rejects only the spans that cause
    it (each with the database's reason); raises for store-level failures (see store/faults.py)."""
    try:
        return write_prepared(engine, batch)
    except Exception as exc:
        diagnosis = classify(exc)
        if diagnosis.fault is not Fault.SPAN:
            raise
        if len(batch.rows) <= 1:
            result = IngestResult(
                received=batch.received,
                duplicates=batch.duplicates,
                rejected=list(batch.rejected),
                conflicts=list(batch.conflicts),
            )
            result.rejected.extend(
                RejectedSpan(span_id, f"the database refused it ({diagnosis.reason})") for span_id in batch.rows
            )
            return result
    first, second = batch.split()
    result = write_isolating(engine, first)
    result.add(write_isolating(engine, second))
    return result
