"""The single path from span records to the store, shared by the exporter and the OTLP receiver.

Two halves: ``prepare_spans`` (validation and rows, in Python, before any transaction: store/rows.py) and
``write_prepared`` (one transaction, here); ``ingest_spans`` is both in a row.

A batch costs a fixed handful of statements (one multi-row insert per table plus edge repair), not a few per
span, and it is idempotent: a span delivered twice is stored once, because only spans that were new in the
``spans`` insert contribute IO, component and edge rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, or_, select, text, update

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.bulk import BulkWriter, begin_ingest, writer_for
from mltrace_otel.store.edges import repair_edges
from mltrace_otel.store.models import components, io_pointers, spans
from mltrace_otel.store.rows import (
    COMPONENT_COLUMNS,
    CONTENT_COLUMNS,
    POINTER_COLUMNS,
    RUN_IO_COLUMNS,
    SPAN_COLUMNS,
    PreparedRun,
    PreparedSpans,
    RejectedSpan,
    conflict_reason,
    content_difference,
    content_of,
    prepare_spans,
    run_rows,
)
from mltrace_otel.store.upsert import dialect_insert

# Kept importable from here, where code written before store/rows.py existed looks for them.
__all__ = ["IngestResult", "PreparedSpans", "RejectedSpan", "ingest_spans", "prepare_spans", "write_prepared"]


@dataclass(slots=True)
class IngestResult:
    received: int = 0
    stored: int = 0  # new in the store
    duplicates: int = 0  # already stored with the same content (a re-delivery): stored all the same
    rejected: list[RejectedSpan] = field(default_factory=list)
    # Span ids already stored with different content: the stored span is kept, and each is reported here.
    conflicts: list[RejectedSpan] = field(default_factory=list)
    new_span_ids: list[str] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.conflicts.extend(other.conflicts)
        self.new_span_ids.extend(other.new_span_ids)


def ingest_spans(target: Engine | Connection, records: Iterable[SpanRecord]) -> IngestResult:
    """Store ``records`` durably (one transaction) and return what happened to each.

    Malformed records are rejected with a reason and the rest are stored. Raises only for database errors, in
    which case nothing of the batch is stored.
    """
    return write_prepared(target, prepare_spans(records))


def write_prepared(target: Engine | Connection, batch: PreparedSpans) -> IngestResult:
    """The database half of :func:`ingest_spans`: one transaction (or the caller's connection)."""
    result = IngestResult(
        received=batch.received,
        duplicates=batch.duplicates,
        rejected=list(batch.rejected),
        conflicts=list(batch.conflicts),
    )
    if not batch.rows:
        return result
    if isinstance(target, Engine):
        with target.begin() as conn:
            _write(conn, batch, result)
    else:
        _write(target, batch, result)
    return result


def _write(conn: Connection, batch: PreparedSpans, result: IngestResult) -> None:
    begin_ingest(conn)
    writer = writer_for(conn)
    snapshots = batch.snapshots
    # Snapshots first: spans reference them by hash.
    writer.insert_ignore("code_snapshots", ("hash", "content"), [snapshots[h] for h in sorted(snapshots)], ("hash",))
    _hold_snapshots(conn, writer, snapshots)
    new_ids = writer.insert_new_spans(SPAN_COLUMNS, list(batch.rows.values()))
    result.stored = len(new_ids)
    result.new_span_ids = [sid for sid in batch.rows if sid in new_ids]
    if len(new_ids) < len(batch.rows):
        conflicts = _stored_conflicts(conn, {sid: row for sid, row in batch.rows.items() if sid not in new_ids})
        result.conflicts.extend(conflicts)
        result.duplicates += len(batch.rows) - len(new_ids) - len(conflicts)
    # Only spans that were new contribute IO, components and edges: re-delivery changes nothing.
    new_runs = [run for sid, run in batch.runs.items() if sid in new_ids]
    if new_runs:
        _write_runs(conn, writer, new_runs, batch.now_ns)


_HOLD_SNAPSHOTS = text(
    "SELECT hash FROM code_snapshots WHERE hash IN (SELECT json_array_elements_text(CAST(:h AS json))) "
    "ORDER BY hash FOR KEY SHARE"
)


def _hold_snapshots(conn: Connection, writer: BulkWriter, snapshots: dict[str, tuple[str, str]]) -> None:
    """Postgres: share-lock the snapshots this batch's spans will refer to, so that retention (which deletes a
    snapshot no span refers to, skipping locked ones) cannot delete one between the insert above, which takes no
    lock on a row already there, and the spans' own foreign key check. One a purge deleted just before the lock
    is stored again. (The lock is the one that check takes anyway; SQLite has one writer at a time.)"""
    if not snapshots or conn.dialect.name != "postgresql":
        return
    held = set(conn.execute(_HOLD_SNAPSHOTS, {"h": json.dumps(sorted(snapshots))}).scalars())
    gone = [snapshots[h] for h in sorted(snapshots) if h not in held]
    if gone:
        writer.insert_ignore("code_snapshots", ("hash", "content"), gone, ("hash",))


def _stored_conflicts(conn: Connection, repeated: dict[str, tuple[Any, ...]]) -> list[RejectedSpan]:
    """Spans of the batch whose id was already stored with different content (a rare path: re-deliveries)."""
    columns = [spans.c[name] for name in CONTENT_COLUMNS]
    found: list[RejectedSpan] = []
    ids = list(repeated)
    for start in range(0, len(ids), 500):
        stmt = select(spans.c.span_id, *columns).where(spans.c.span_id.in_(ids[start : start + 500]))
        for span_id, *stored in conn.execute(stmt):
            difference = content_difference(stored, content_of(repeated[span_id]))
            if difference is not None:
                found.append(RejectedSpan(span_id, conflict_reason(span_id, difference, "in the store")))
    return found


def _write_runs(conn: Connection, writer: BulkWriter, runs: list[PreparedRun], now_ns: int) -> None:
    built = run_rows(runs, now_ns)
    comps, tags, pointers, explicit = built.components, built.tags, built.pointers, built.explicit
    # Shared rows (components, tags, pointers) are written in key order: concurrent batches that touch the same
    # names then lock them in the same order, so Postgres cannot deadlock them against each other.
    # New components are inserted with their metadata; existing rows are not touched here (DO NOTHING takes no
    # row lock), so concurrent batches of the same components do not queue behind each other's transactions.
    ordered = [comps[name] for name in sorted(comps)]
    writer.insert_ignore(
        "components", COMPONENT_COLUMNS, [tuple(c[k] for k in COMPONENT_COLUMNS) for c in ordered], ("name",)
    )
    writer.insert_ignore("component_tags", ("component", "tag"), sorted(tags), ("component", "tag"))
    writer.insert_ignore("io_pointers", POINTER_COLUMNS, [pointers[name] for name in sorted(pointers)], ("name",))
    if explicit:
        stmt = dialect_insert(conn, io_pointers)
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"kind": stmt.excluded.kind})
        conn.execute(stmt.returning(io_pointers.c.name), [explicit[name] for name in sorted(explicit)]).all()
    # IO rows belong to spans that are new in this transaction: nothing to conflict with.
    writer.append("run_io", RUN_IO_COLUMNS, built.io_rows)
    repair_edges(conn, writer, built.new_inputs, built.new_outputs, built.links)
    # Last, so the row locks an update takes are held only until the imminent commit.
    _update_component_metadata(conn, [c for c in ordered if c["description"] is not None or c["owner"] is not None])
    _number_arrivals(conn, writer, [run[0] for run in runs])


# One key for every mltrace-otel process (beside store/edges.py's and store/migrate.py's).
_ARRIVAL_LOCK_KEY = 7_420_170_003


def _number_arrivals(conn: Connection, writer: BulkWriter, span_ids: list[str]) -> None:
    """Number the batch's new runs for live subscribers: the last statement of the transaction, under a lock it
    holds until commit, so a number is taken only once every smaller one is committed (Postgres hands out a
    sequence value at insert but shows the row at commit; SQLite writers are serialised already). Readers then
    page by number and never wait on any transaction, in this database or another."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ARRIVAL_LOCK_KEY})
    writer.append("run_arrivals", ("span_id",), [(span_id,) for span_id in span_ids])


_NEWER_DESCRIPTION = and_(
    bindparam("b_description").is_not(None), components.c.description_ns < bindparam("b_description_ns")
)
_NEWER_OWNER = and_(bindparam("b_owner").is_not(None), components.c.owner_ns < bindparam("b_owner_ns"))
_UPDATE_METADATA = (
    update(components)
    .where(components.c.name == bindparam("b_name"), or_(_NEWER_DESCRIPTION, _NEWER_OWNER))
    .values(
        description=case((_NEWER_DESCRIPTION, bindparam("b_description")), else_=components.c.description),
        description_ns=case((_NEWER_DESCRIPTION, bindparam("b_description_ns")), else_=components.c.description_ns),
        owner=case((_NEWER_OWNER, bindparam("b_owner")), else_=components.c.owner),
        owner_ns=case((_NEWER_OWNER, bindparam("b_owner_ns")), else_=components.c.owner_ns),
    )
)


def _update_component_metadata(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Latest value wins, by run start time: only rows with a newer description or owner are updated (and locked)."""
    if rows:
        conn.execute(_UPDATE_METADATA, [{f"b_{k}": v for k, v in row.items()} for row in rows])
