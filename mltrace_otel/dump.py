"""``mltrace db export | import``: a store as OTLP/JSON lines, for backups and for moving between versions.

Each line is one OTLP ``ExportTraceServiceRequest`` (the OTel Collector's file exporter writes the same, so a dump
can also be replayed into any OTLP backend), holding up to ``batch`` spans in arrival order, every span whole:
its attributes as stored (the code snapshot put back as ``mltrace.code.snapshot``, the notes as last edited),
events, links, resource and scope. What is not a span follows in lines whose ``resourceSpans`` is empty and whose
``mltraceState`` carries it: component descriptions, owners and tags, flagged outputs and explicit pointer kinds,
and the OpenLineage events received (so late events still merge after a move). OTLP readers ignore that key.

Import goes through the one ingest path (lineage edges are recomputed, not copied), so a dump made by an older
version loads into a newer schema, and importing twice stores everything once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import Connection, Engine, and_, select, update

from mltrace_otel import semconv
from mltrace_otel.errors import MltraceError
from mltrace_otel.otlp_json import OtlpJsonError, decode_request, export_request
from mltrace_otel.pointers import infer_kind
from mltrace_otel.span_record import SpanEventRecord, SpanLinkRecord, SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.models import (
    code_snapshots,
    component_tags,
    components,
    io_pointers,
    openlineage_events,
    spans,
)
from mltrace_otel.store.upsert import dialect_insert

STATE_KEY = "mltraceState"
BATCH = 1_000

Progress = Callable[[int], None]


class DumpError(MltraceError, ValueError):
    """A line of a dump that cannot be read; the message names the line."""

    code = "INVALID_DUMP"


@dataclass
class DumpSummary:
    spans: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)
    lines: int = 0
    state_items: int = 0


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def record_from_row(row: Any) -> SpanRecord:
    attributes = dict(_json(row.attributes) or {})
    if row.content is not None:
        attributes[semconv.CODE_SNAPSHOT] = row.content
    if row.notes is not None:
        attributes[semconv.NOTES] = row.notes
    else:
        attributes.pop(semconv.NOTES, None)
    return SpanRecord(
        trace_id=row.trace_id,
        span_id=row.span_id,
        parent_span_id=row.parent_span_id,
        name=row.name,
        kind=row.kind,
        start_ns=int(row.start_ns),
        end_ns=int(row.end_ns),
        status_code=row.status_code,
        status_message=row.status_message,
        attributes=attributes,
        events=tuple(
            SpanEventRecord(
                name=e.get("name", ""), time_ns=int(e.get("time_ns", 0)), attributes=e.get("attributes", {})
            )
            for e in _json(row.events) or []
        ),
        links=tuple(
            SpanLinkRecord(trace_id=li["trace_id"], span_id=li["span_id"], attributes=li.get("attributes", {}))
            for li in _json(row.links) or []
        ),
        resource=dict(_json(row.resource) or {}),
        scope=dict(_json(row.scope) or {}),
    )


_SPAN_PAGE = (
    select(
        spans.c.seq,
        spans.c.span_id,
        spans.c.trace_id,
        spans.c.parent_span_id,
        spans.c.name,
        spans.c.kind,
        spans.c.start_ns,
        spans.c.end_ns,
        spans.c.status_code,
        spans.c.status_message,
        spans.c.notes,
        spans.c.attributes,
        spans.c.events,
        spans.c.links,
        spans.c.resource,
        spans.c.scope,
        code_snapshots.c.content,
    )
    .select_from(spans.outerjoin(code_snapshots, code_snapshots.c.hash == spans.c.code_hash))
    .order_by(spans.c.seq)
)


def span_pages(conn: Connection, batch: int = BATCH) -> Iterator[list[SpanRecord]]:
    after = -1
    while True:
        rows = conn.execute(_SPAN_PAGE.where(spans.c.seq > after).limit(batch)).all()
        if not rows:
            return
        after = rows[-1].seq
        yield [record_from_row(row) for row in rows]


def _state_lines(conn: Connection, batch: int) -> Iterator[dict[str, Any]]:
    comps = [
        [r.name, r.description, r.description_ns, r.owner, r.owner_ns, r.created_ns]
        for r in conn.execute(select(components).order_by(components.c.name))
    ]
    tags = [[r.component, r.tag] for r in conn.execute(select(component_tags).order_by(component_tags.c.component))]
    pointers = [
        [r.name, r.kind, bool(r.flagged), r.flagged_ns]
        for r in conn.execute(select(io_pointers).order_by(io_pointers.c.name))
        if r.flagged or r.kind != infer_kind(r.name).value
    ]
    yield {"components": comps, "componentTags": tags, "pointers": pointers}
    events = select(openlineage_events.c.run_id, openlineage_events.c.body).order_by(
        openlineage_events.c.run_id, openlineage_events.c.event_time_ns, openlineage_events.c.event_hash
    )
    chunk: list[list[str]] = []
    for row in conn.execute(events):
        chunk.append([row.run_id, row.body])
        if len(chunk) >= batch:
            yield {"openlineageEvents": chunk}
            chunk = []
    if chunk:
        yield {"openlineageEvents": chunk}


def export_store(engine: Engine, out: TextIO, *, batch: int = BATCH, progress: Progress | None = None) -> DumpSummary:
    """Write every span (then the state that is not spans) as OTLP/JSON lines, in one read transaction."""
    summary = DumpSummary()
    with engine.connect() as conn:
        for page in span_pages(conn, batch):
            out.write(json.dumps(export_request(page), ensure_ascii=False) + "\n")
            summary.spans += len(page)
            summary.lines += 1
            if progress:
                progress(len(page))
        for state in _state_lines(conn, batch):
            out.write(json.dumps({"resourceSpans": [], STATE_KEY: state}, ensure_ascii=False) + "\n")
            summary.lines += 1
            summary.state_items += sum(len(v) for v in state.values())
    return summary


def import_store(
    engine: Engine, lines: Iterable[str], *, batch: int = 2_000, progress: Progress | None = None
) -> DumpSummary:
    """Load a dump (or any OTLP/JSON lines): spans through ingest, in batches; the state once every span is in."""
    summary = DumpSummary()
    pending: list[SpanRecord] = []
    states: list[dict[str, Any]] = []

    def flush() -> None:
        if pending:
            result = ingest_spans(engine, pending)
            summary.stored += result.stored
            summary.duplicates += result.duplicates
            summary.rejected.extend(f"{r.span_id}: {r.reason}" for r in result.rejected)
            if progress:
                progress(len(pending))
            pending.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        summary.lines += 1
        try:
            document = json.loads(line)
            records = decode_request(document, f"line {number}")
        except ValueError as exc:  # OtlpJsonError and JSON errors alike
            problem = str(exc) if isinstance(exc, OtlpJsonError) else f"line {number}: not JSON ({exc})"
            raise DumpError(problem) from None
        summary.spans += len(records)
        pending.extend(records)
        if isinstance(document.get(STATE_KEY), dict):
            states.append(document[STATE_KEY])
        if len(pending) >= batch:
            flush()
    flush()
    for state in states:
        summary.state_items += apply_state(engine, state)
    return summary


def apply_state(engine: Engine, state: dict[str, Any]) -> int:
    """Merge one ``mltraceState`` object into the store; returns how many items it held."""
    applied = 0
    with engine.begin() as conn:
        for name, description, description_ns, owner, owner_ns, created_ns in state.get("components", []):
            _merge_component(
                conn, name, (description, int(description_ns or 0)), (owner, int(owner_ns or 0)), int(created_ns)
            )
            applied += 1
        tags = [{"component": c, "tag": t} for c, t in state.get("componentTags", [])]
        if tags:
            stmt = dialect_insert(conn, component_tags).on_conflict_do_nothing(index_elements=["component", "tag"])
            conn.execute(stmt.returning(component_tags.c.tag), tags).all()
            applied += len(tags)
        for name, kind, flagged, flagged_ns in state.get("pointers", []):
            stmt = dialect_insert(conn, io_pointers).values(
                name=name, kind=kind, flagged=bool(flagged), flagged_ns=flagged_ns, created_ns=int(flagged_ns or 0)
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name"], set_={"kind": kind, "flagged": bool(flagged), "flagged_ns": flagged_ns}
                )
            )
            applied += 1
    events = state.get("openlineageEvents") or []
    if events:
        from mltrace_otel.openlineage.events import parse_event
        from mltrace_otel.openlineage.receive import receive_events

        receive_events(engine, [parse_event(json.loads(body)) for _, body in events])
        applied += len(events)
    return applied


def _merge_component(
    conn: Connection,
    name: str,
    described: tuple[str | None, int],
    owned: tuple[str | None, int],
    created_ns: int,
) -> None:
    """The component exists once its runs are in; metadata set later (by time) than what it holds wins."""
    (description, description_ns), (owner, owner_ns) = described, owned
    stmt = dialect_insert(conn, components).values(
        name=name, description=description, description_ns=description_ns, owner=owner, owner_ns=owner_ns,
        created_ns=created_ns,
    )  # fmt: skip
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
    conn.execute(
        update(components)
        .where(and_(components.c.name == name, components.c.description_ns <= description_ns))
        .values(description=description, description_ns=description_ns)
    )
    conn.execute(
        update(components)
        .where(and_(components.c.name == name, components.c.owner_ns <= owner_ns))
        .values(owner=owner, owner_ns=owner_ns)
    )
