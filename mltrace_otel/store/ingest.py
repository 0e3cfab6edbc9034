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

from sqlalchemy import Connection, Engine, and_, bindparam, case, or_, update

from mltrace_otel import semconv
from mltrace_otel.pointers import PointerKind, infer_kind, parse_kind
from mltrace_otel.store.bulk import BulkWriter, begin_ingest, dumps, without_nul, writer_for
from mltrace_otel.store.edges import repair_edges
from mltrace_otel.store.models import components, io_pointers
from mltrace_otel.store.span_record import InvalidSpan, JsonValue, SpanRecord
from mltrace_otel.store.upsert import dialect_insert

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
    unique = list(dict.fromkeys(items)) if all(type(v) is str for v in items) else None
    if unique is not None and "" not in unique and "\x00" not in "\x01".join(unique):
        return unique  # the usual case: distinct plain strings, checked in C-level passes
    out = [v if isinstance(v, str) else str(v) for v in items if v is not None]
    return list(dict.fromkeys(without_nul(s) for s in out if s != ""))


def _optional_str(value: JsonValue) -> str | None:
    if value is None or value == "":
        return None
    return without_nul(value if isinstance(value, str) else str(value))


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
                log.warning("span %s: ignoring %r in %s: unknown kind", record.span_id, entry, semconv.IO_KINDS)
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


SPAN_COLUMNS = (
    "span_id",
    "trace_id",
    "parent_span_id",
    "name",
    "kind",
    "start_ns",
    "end_ns",
    "status_code",
    "status_message",
    "component",
    "git_hash",
    "code_hash",
    "notes",
    "service_name",
    "attributes",
    "events",
    "links",
    "resource",
    "scope",
    "ingested_ns",
)
RUN_IO_COLUMNS = ("span_id", "direction", "pointer", "component", "start_ns", "end_ns")
POINTER_COLUMNS = ("name", "kind", "created_ns")
COMPONENT_COLUMNS = ("name", "description", "description_ns", "owner", "owner_ns", "created_ns")


def _dumps_shared(value: dict[str, Any], shared: dict[int, tuple[Any, str]] | None) -> str:
    """JSON of a resource or scope; every span of one SDK provider shares the same dict, so serialise it once."""
    if shared is None:
        return dumps(value)
    hit = shared.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    text = dumps(value)
    shared[id(value)] = (value, text)
    return text


def span_row(
    record: SpanRecord, facts: _RunFacts | None, now_ns: int, shared: dict[int, tuple[Any, str]] | None = None
) -> tuple[tuple[Any, ...], tuple[str, str] | None]:
    """The ``spans`` row of one record (in SPAN_COLUMNS order, JSON already serialised), and its code snapshot
    (hash, source) when it carries one: sources are stored once per distinct content, the span keeps the hash."""
    attributes = dict(record.attributes)
    snapshot = None
    code_hash = None
    source = attributes.pop(semconv.CODE_SNAPSHOT, None)
    if isinstance(source, str) and source:
        code_hash = snapshot_hash(source)
        snapshot = (code_hash, source)
    elif source is not None:
        attributes[semconv.CODE_SNAPSHOT] = source  # not text: keep it as it came
    service = record.resource.get("service.name")
    return (
        record.span_id,
        record.trace_id,
        record.parent_span_id,
        without_nul(record.name),
        record.kind,
        record.start_ns,
        record.end_ns,
        record.status_code,
        without_nul(record.status_message),
        facts.component if facts else None,
        _optional_str(attributes.get(semconv.GIT_HASH)),
        code_hash,
        _optional_str(attributes.get(semconv.NOTES)),
        without_nul(service) if isinstance(service, str) else None,
        dumps(attributes),
        dumps(_event_json(record)) if record.events else "[]",
        dumps(_link_json(record)) if record.links else "[]",
        _dumps_shared(record.resource, shared),
        _dumps_shared(record.scope, shared),
        now_ns,
    ), snapshot


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
    begin_ingest(conn)
    writer = writer_for(conn)
    now_ns = time.time_ns()
    span_rows: list[tuple[Any, ...]] = []
    snapshots: dict[str, tuple[str, str]] = {}
    shared: dict[int, tuple[Any, str]] = {}
    for record, facts in valid.values():
        row, snapshot = span_row(record, facts, now_ns, shared)
        span_rows.append(row)
        if snapshot:
            snapshots[snapshot[0]] = snapshot
    # Snapshots first: spans reference them by hash.
    writer.insert_ignore("code_snapshots", ("hash", "content"), [snapshots[h] for h in sorted(snapshots)], ("hash",))
    new_ids = writer.insert_new_spans(SPAN_COLUMNS, span_rows)
    result.stored = len(new_ids)
    result.duplicates += len(valid) - len(new_ids)
    result.new_span_ids = [sid for sid in valid if sid in new_ids]
    # Only spans that were new contribute IO, components and edges: re-delivery changes nothing.
    new_runs = [(record, facts) for sid, (record, facts) in valid.items() if sid in new_ids and facts is not None]
    if new_runs:
        _write_runs(conn, writer, new_runs, now_ns)


def _write_runs(conn: Connection, writer: BulkWriter, runs: list[tuple[SpanRecord, _RunFacts]], now_ns: int) -> None:
    comps: dict[str, dict[str, Any]] = {}
    tags: set[tuple[str, str]] = set()
    pointers: dict[str, tuple[str, str, int]] = {}
    explicit: dict[str, dict[str, Any]] = {}
    io_rows: list[tuple[Any, ...]] = []
    new_inputs: list[tuple[str, str, int]] = []
    new_outputs: list[tuple[str, str, int]] = []
    links: list[tuple[str, str]] = []
    for record, facts in runs:
        # One row per component, carrying the batch's latest description and owner (by run start time).
        comp = comps.get(facts.component)
        if comp is None:
            comp = comps[facts.component] = {
                "name": facts.component,
                "description": None,
                "description_ns": 0,
                "owner": None,
                "owner_ns": 0,
                "created_ns": now_ns,
            }
        if facts.description is not None and record.start_ns >= comp["description_ns"]:
            comp["description"], comp["description_ns"] = facts.description, record.start_ns
        if facts.owner is not None and record.start_ns >= comp["owner_ns"]:
            comp["owner"], comp["owner_ns"] = facts.owner, record.start_ns
        for tag in facts.tags:
            tags.add((facts.component, tag))
        for direction, names in (("in", facts.inputs), ("out", facts.outputs)):
            for name in names:
                io_rows.append((record.span_id, direction, name, facts.component, record.start_ns, record.end_ns))
                (new_inputs if direction == "in" else new_outputs).append((record.span_id, name, record.start_ns))
                kind = facts.explicit_kinds.get(name)
                if kind:
                    explicit[name] = {"name": name, "kind": kind.value, "created_ns": now_ns}
                elif name not in pointers:
                    pointers[name] = (name, infer_kind(name).value, now_ns)
        links.extend((record.span_id, link.span_id) for link in record.links)
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
    writer.append("run_io", RUN_IO_COLUMNS, io_rows)
    repair_edges(conn, writer, new_inputs, new_outputs, links)
    # Last, so the row locks an update takes are held only until the imminent commit.
    _update_component_metadata(conn, [c for c in ordered if c["description"] is not None or c["owner"] is not None])


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
