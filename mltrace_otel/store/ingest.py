"""``ingest_spans``: the single path from span records to rows, shared by the exporter and the OTLP receiver.

A batch costs a fixed handful of statements (one multi-row insert per table plus edge repair), not a few per
span, and it is idempotent: a span delivered twice is stored once, because only spans that were new in the
``spans`` insert contribute IO, component and edge rows.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, case

from mltrace_otel import semconv
from mltrace_otel.pointers import PointerKind, infer_kind, parse_kind
from mltrace_otel.store.edges import repair_edges
from mltrace_otel.store.models import code_snapshots, component_tags, components, io_pointers, run_io, spans
from mltrace_otel.store.span_record import InvalidSpan, JsonValue, SpanRecord
from mltrace_otel.store.upsert import dialect_insert, insert_ignore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RejectedSpan:
    span_id: str
    reason: str


@dataclass(slots=True)
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[RejectedSpan] = field(default_factory=list)
    new_span_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _RunFacts:
    """What the store interprets of one component run, derived from its attributes."""

    component: str
    inputs: list[str]
    outputs: list[str]
    tags: list[str]
    description: str | None
    owner: str | None
    explicit_kinds: dict[str, PointerKind]


def string_list(value: JsonValue) -> list[str]:
    """A pointer/tag attribute as a list of non-empty strings, whatever type it arrived as."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = [v if isinstance(v, str) else str(v) for v in items if v is not None]
    return list(dict.fromkeys(s for s in out if s != ""))


def _optional_str(value: JsonValue) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def run_facts(record: SpanRecord) -> _RunFacts | None:
    attrs = record.attributes
    component = _optional_str(attrs.get(semconv.COMPONENT))
    if component is None:
        return None
    kinds: dict[str, PointerKind] = {}
    for entry in string_list(attrs.get(semconv.IO_KINDS)):
        name, sep, kind = entry.rpartition("=")
        if sep:
            try:
                kinds[name] = parse_kind(kind)
            except ValueError:
                log.warning("span %s: ignoring IO kind %r (%s)", record.span_id, entry, "unknown kind")
    return _RunFacts(
        component=component,
        inputs=string_list(attrs.get(semconv.INPUTS)),
        outputs=string_list(attrs.get(semconv.OUTPUTS)),
        tags=string_list(attrs.get(semconv.TAGS)),
        description=_optional_str(attrs.get(semconv.DESCRIPTION)),
        owner=_optional_str(attrs.get(semconv.OWNER)),
        explicit_kinds=kinds,
    )


def snapshot_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def _event_json(record: SpanRecord) -> list[dict[str, Any]]:
    return [{"name": e.name, "time_ns": e.time_ns, "attributes": e.attributes} for e in record.events]


def _link_json(record: SpanRecord) -> list[dict[str, Any]]:
    return [{"trace_id": li.trace_id, "span_id": li.span_id, "attributes": li.attributes} for li in record.links]


def span_row(record: SpanRecord, facts: _RunFacts | None, now_ns: int) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The ``spans`` row of one record, and its code snapshot row when it carries one (stored once per content)."""
    attributes = dict(record.attributes)
    snapshot_row = None
    code_hash = None
    source = attributes.pop(semconv.CODE_SNAPSHOT, None)
    if isinstance(source, str) and source:
        code_hash = snapshot_hash(source)
        snapshot_row = {"hash": code_hash, "content": source}
    elif source is not None:
        attributes[semconv.CODE_SNAPSHOT] = source  # not text: keep it as it came
    service = record.resource.get("service.name")
    row = {
        "span_id": record.span_id,
        "trace_id": record.trace_id,
        "parent_span_id": record.parent_span_id,
        "name": record.name,
        "kind": record.kind,
        "start_ns": record.start_ns,
        "end_ns": record.end_ns,
        "status_code": record.status_code,
        "status_message": record.status_message,
        "component": facts.component if facts else None,
        "git_hash": _optional_str(attributes.get(semconv.GIT_HASH)),
        "code_hash": code_hash,
        "notes": _optional_str(attributes.get(semconv.NOTES)),
        "service_name": service if isinstance(service, str) else None,
        "attributes": attributes,
        "events": _event_json(record),
        "links": _link_json(record),
        "resource": record.resource,
        "scope": record.scope,
        "ingested_ns": now_ns,
    }
    return row, snapshot_row


def ingest_spans(target: Engine | Connection, records: Iterable[SpanRecord]) -> IngestResult:
    """Store ``records`` durably (one transaction) and return what happened to each.

    Malformed records are rejected with a reason and the rest are stored. Raises only for database errors, in
    which case nothing of the batch is stored.
    """
    result = IngestResult()
    valid: dict[str, tuple[SpanRecord, _RunFacts | None]] = {}
    for record in records:
        result.received += 1
        try:
            record.validate()
        except InvalidSpan as exc:
            result.rejected.append(RejectedSpan(str(getattr(record, "span_id", "")), str(exc)))
            continue
        if record.span_id in valid:
            result.duplicates += 1
            continue
        valid[record.span_id] = (record, run_facts(record))
    if not valid:
        return result
    if isinstance(target, Engine):
        with target.begin() as conn:
            _write(conn, valid, result)
    else:
        _write(target, valid, result)
    return result


def _write(conn: Connection, valid: dict[str, tuple[SpanRecord, _RunFacts | None]], result: IngestResult) -> None:
    now_ns = time.time_ns()
    span_rows: list[dict[str, Any]] = []
    snapshots: dict[str, dict[str, str]] = {}
    for record, facts in valid.values():
        row, snapshot = span_row(record, facts, now_ns)
        span_rows.append(row)
        if snapshot:
            snapshots[snapshot["hash"]] = snapshot
    if snapshots:
        conn.execute(insert_ignore(conn, code_snapshots, ["hash"]), list(snapshots.values())).all()
    inserted = conn.execute(insert_ignore(conn, spans, ["span_id"]), span_rows).scalars().all()
    new_ids = set(inserted)
    result.stored = len(new_ids)
    result.duplicates += len(valid) - len(new_ids)
    result.new_span_ids = [sid for sid in valid if sid in new_ids]
    new_runs = [(record, facts) for sid, (record, facts) in valid.items() if sid in new_ids and facts is not None]
    if new_runs:
        _write_runs(conn, new_runs, now_ns)


def _write_runs(conn: Connection, runs: list[tuple[SpanRecord, _RunFacts]], now_ns: int) -> None:
    comps: dict[str, dict[str, Any]] = {}
    tags: set[tuple[str, str]] = set()
    pointers: dict[str, dict[str, Any]] = {}
    explicit: dict[str, dict[str, Any]] = {}
    io_rows: list[dict[str, Any]] = []
    links: list[tuple[str, str]] = []
    for record, facts in runs:
        # Aggregate per component first: one upsert statement may not touch a row twice (Postgres).
        comp = comps.setdefault(
            facts.component,
            {
                "name": facts.component,
                "description": None,
                "description_ns": 0,
                "owner": None,
                "owner_ns": 0,
                "created_ns": now_ns,
            },
        )
        if facts.description is not None and record.start_ns >= comp["description_ns"]:
            comp["description"], comp["description_ns"] = facts.description, record.start_ns
        if facts.owner is not None and record.start_ns >= comp["owner_ns"]:
            comp["owner"], comp["owner_ns"] = facts.owner, record.start_ns
        tags.update((facts.component, t) for t in facts.tags)
        for direction, names in (("in", facts.inputs), ("out", facts.outputs)):
            for name in names:
                io_rows.append(
                    {
                        "span_id": record.span_id,
                        "direction": direction,
                        "pointer": name,
                        "component": facts.component,
                        "start_ns": record.start_ns,
                        "end_ns": record.end_ns,
                    }
                )
                kind = facts.explicit_kinds.get(name)
                row = {"name": name, "kind": (kind or infer_kind(name)).value, "created_ns": now_ns}
                (explicit if kind else pointers)[name] = row
        links.extend((record.span_id, link.span_id) for link in record.links)
    _upsert_components(conn, list(comps.values()))
    if tags:
        rows = [{"component": c, "tag": t} for c, t in sorted(tags)]
        conn.execute(insert_ignore(conn, component_tags, ["component", "tag"]), rows).all()
    if pointers:
        conn.execute(insert_ignore(conn, io_pointers, ["name"]), list(pointers.values())).all()
    if explicit:
        stmt = dialect_insert(conn, io_pointers)
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"kind": stmt.excluded.kind})
        conn.execute(stmt.returning(io_pointers.c.name), list(explicit.values())).all()
    if io_rows:
        conn.execute(insert_ignore(conn, run_io, ["span_id", "direction", "pointer"]), io_rows).all()
    repair_edges(conn, [record.span_id for record, _ in runs], links)


def _upsert_components(conn: Connection, rows: list[dict[str, Any]]) -> None:
    stmt = dialect_insert(conn, components)
    ex = stmt.excluded
    newer_description = (ex.description.is_not(None)) & (ex.description_ns >= components.c.description_ns)
    newer_owner = (ex.owner.is_not(None)) & (ex.owner_ns >= components.c.owner_ns)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "description": case((newer_description, ex.description), else_=components.c.description),
            "description_ns": case((newer_description, ex.description_ns), else_=components.c.description_ns),
            "owner": case((newer_owner, ex.owner), else_=components.c.owner),
            "owner_ns": case((newer_owner, ex.owner_ns), else_=components.c.owner_ns),
        },
    )
    conn.execute(stmt.returning(components.c.name), rows).all()
