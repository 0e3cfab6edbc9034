"""Storing OpenLineage events: keep every event, and keep the run's span equal to what its events say.

Spans are immutable to the rest of the store, so an OpenLineage run is stored like this, in one transaction per
request, serialised per run (a row lock on ``openlineage_runs``; SQLite's single writer):
1. the event is added to ``openlineage_events`` (a repeat of the same event is a no-op);
2. the run's span is rebuilt from all its events (:func:`mltrace_otel.openlineage.runs.span_for_run`);
3. no terminal event yet: nothing else happens; the run is *pending* and invisible to queries;
4. otherwise the span is stored through the one ingest path, or, when an earlier version of it is stored and
   differs (a START that arrived after COMPLETE moves the start time, adds inputs), replaced: its rows go, the
   new version is ingested (edges of its inputs and of later readers of its outputs are recomputed there), and
   the runs that depended on the old version choose their producer again. Notes a user wrote on it are kept.
A span of the same id that came another way (our own emitter's events coming back) is never replaced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, text, update

from mltrace_otel.openlineage.events import InvalidEvent, RunEvent, parse_event
from mltrace_otel.openlineage.runs import record_digest, run_span_id, span_for_run
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.bulk import begin_ingest, writer_for
from mltrace_otel.store.edges import lock_edges, recompute_edges
from mltrace_otel.store.ingest import write_prepared
from mltrace_otel.store.models import openlineage_events, openlineage_runs, run_edges, run_io, spans
from mltrace_otel.store.rows import prepare_spans
from mltrace_otel.store.upsert import dialect_insert


@dataclass(frozen=True, slots=True)
class Received:
    run_id: str
    span_id: str
    # pending (no terminal event yet), stored, updated (an earlier version replaced), unchanged,
    # or kept (a span of this id was stored another way and is left as it is)
    state: str


def receive_events(engine: Engine, events: Sequence[RunEvent]) -> list[Received]:
    """Store ``events`` (already parsed) in one transaction; one answer per distinct run, in run id order."""
    by_run: dict[str, list[RunEvent]] = {}
    for event in events:
        by_run.setdefault(event.run_id, []).append(event)
    now_ns = time.time_ns()
    with engine.begin() as conn:
        begin_ingest(conn)
        # Runs in id order: two requests touching the same runs lock them in the same order.
        return [_receive_run(conn, run_id, by_run[run_id], now_ns) for run_id in sorted(by_run)]


def _receive_run(conn: Connection, run_id: str, events: list[RunEvent], now_ns: int) -> Received:
    stmt = dialect_insert(conn, openlineage_runs).values(
        run_id=run_id, span_id=run_span_id(run_id), digest=None, updated_ns=now_ns
    )
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["run_id"]))
    state = conn.execute(
        select(openlineage_runs.c.span_id, openlineage_runs.c.digest)
        .where(openlineage_runs.c.run_id == run_id)
        .with_for_update()
    ).one()
    rows = [
        {
            "run_id": run_id,
            "event_hash": e.digest,
            "event_type": e.event_type,
            "event_time_ns": e.event_time_ns,
            "body": e.body,
            "received_ns": now_ns,
        }
        for e in {e.digest: e for e in events}.values()
    ]
    insert_events = dialect_insert(conn, openlineage_events)
    insert_events = insert_events.on_conflict_do_nothing(index_elements=["run_id", "event_hash"])
    conn.execute(insert_events.returning(openlineage_events.c.event_hash), rows).all()
    bodies = conn.execute(select(openlineage_events.c.body).where(openlineage_events.c.run_id == run_id)).scalars()
    record = span_for_run(parse_event(json.loads(body)) for body in bodies)
    if record is None:
        return Received(run_id, state.span_id, "pending")
    digest = record_digest(record)
    if digest == state.digest:
        return Received(run_id, record.span_id, "unchanged")
    stored = conn.execute(select(spans.c.attributes).where(spans.c.span_id == record.span_id)).first()
    if stored is None:
        _ingest(conn, record)
        outcome = "stored"
    elif state.digest is not None or _attributes(stored[0]).get("openlineage.run_id") == run_id:
        # Ours: stored from earlier events (or imported from a dump of a store that had them).
        replace_run(conn, record)
        outcome = "updated"
    else:
        return Received(run_id, record.span_id, "kept")
    conn.execute(
        update(openlineage_runs)
        .where(openlineage_runs.c.run_id == run_id)
        .values(span_id=record.span_id, digest=digest, updated_ns=now_ns)
    )
    return Received(run_id, record.span_id, outcome)


def _attributes(value: object) -> dict[str, object]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _ingest(conn: Connection, record: SpanRecord) -> None:
    result = write_prepared(conn, prepare_spans([record]))
    if result.rejected:
        raise InvalidEvent("event", f"the run cannot be stored: {result.rejected[0].reason}")


_CONSUMERS_OF = text(
    """
SELECT i.span_id, i.pointer, i.start_ns FROM run_edges e
JOIN run_io i ON i.span_id = e.consumer_id AND i.direction = 'in' AND i.pointer = e.via
WHERE e.producer_id = :producer AND e.kind = 'io'
"""
)


def replace_run(conn: Connection, record: SpanRecord) -> None:
    """Replace the stored span of ``record.span_id`` with ``record``, keeping lineage as if it had come so."""
    span_id = record.span_id
    lock_edges(conn)
    dependents = [tuple(row) for row in conn.execute(_CONSUMERS_OF, {"producer": span_id})]
    notes = conn.execute(select(spans.c.notes).where(spans.c.span_id == span_id)).scalar()
    conn.execute(delete(run_edges).where(run_edges.c.consumer_id == span_id))
    conn.execute(delete(run_io).where(run_io.c.span_id == span_id))
    conn.execute(delete(spans).where(spans.c.span_id == span_id))
    _ingest(conn, record)
    recompute_edges(conn, writer_for(conn), [(c, p, int(s)) for c, p, s in dependents])
    if notes is not None:
        conn.execute(update(spans).where(spans.c.span_id == span_id).values(notes=notes))
