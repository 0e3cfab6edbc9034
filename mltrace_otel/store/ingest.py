"""The single path from span records to rows, shared by the exporter and the OTLP receiver.

Two halves: ``prepare_spans`` (validation and rows, in Python, before any transaction) and ``write_prepared``
(one transaction); ``ingest_spans`` is both in a row.

A batch costs a fixed handful of statements (one multi-row insert per table plus edge repair), not a few per
span, and it is idempotent: a span delivered twice is stored once, because only spans that were new in the
``spans`` insert contribute IO, component and edge rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import Connection, Engine, and_, bindparam, case, or_, select, text, update

from mltrace_otel import semconv
from mltrace_otel.pointers import infer_kind, parse_kind
from mltrace_otel.span_record import InvalidSpan, JsonValue, SpanRecord
from mltrace_otel.store.bulk import BulkWriter, begin_ingest, dumps, writer_for
from mltrace_otel.store.edges import repair_edges
from mltrace_otel.store.models import components, io_pointers, spans
from mltrace_otel.store.text import has_lone_surrogate, storable_text
from mltrace_otel.store.upsert import dialect_insert

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RejectedSpan:
    span_id: str
    reason: str


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


class RunFacts(NamedTuple):
    """What the store interprets of one component run, derived from its attributes."""

    component: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    tags: tuple[str, ...]
    description: str | None
    owner: str | None
    explicit_kinds: tuple[tuple[str, str], ...]  # (pointer, kind value) declared by the span


# A prepared run: (span_id, start_ns, end_ns, *RunFacts, linked span ids, failed, traced). failed: its status is
# ERROR; traced: lineage follows its inputs to their producers (mltrace's set_dependencies_from_inputs; a run that
# names its dependencies explicitly turns it off). A plain tuple on purpose: the
# collector untracks an exact tuple of strings, ints and such tuples at its first pass (never a NamedTuple), so a
# batch waiting for its transaction does not grow the long-lived heap that full collections walk.
_Run: TypeAlias = tuple[
    str, int, int, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None, str | None,
    tuple[tuple[str, str], ...], tuple[str, ...], bool, bool,
]  # fmt: skip


def string_list(value: JsonValue) -> list[str]:
    """A pointer/tag attribute as a list of non-empty strings, whatever type it arrived as."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    unique = list(dict.fromkeys(items)) if all(type(v) is str for v in items) else None
    if unique is not None and "" not in unique:
        joined = "\x01".join(unique)
        if "\x00" not in joined and not has_lone_surrogate(joined):
            return unique  # the usual case: distinct plain strings, checked in C-level passes
    out = [v if isinstance(v, str) else str(v) for v in items if v is not None]
    return list(dict.fromkeys(storable_text(s) for s in out if s != ""))


def _optional_str(value: JsonValue) -> str | None:
    if value is None or value == "":
        return None
    return storable_text(value if isinstance(value, str) else str(value))


def run_facts(record: SpanRecord) -> RunFacts | None:
    attrs = record.attributes
    component = _optional_str(attrs.get(semconv.COMPONENT))
    if component is None:
        return None
    kinds: dict[str, str] = {}
    for entry in string_list(attrs.get(semconv.IO_KINDS)):
        name, sep, kind = entry.rpartition("=")
        if sep:
            try:
                kinds[name] = parse_kind(kind).value
            except ValueError:
                log.warning("span %s: ignoring %r in %s: unknown kind", record.span_id, entry, semconv.IO_KINDS)
    return RunFacts(
        component=component,
        inputs=tuple(string_list(attrs.get(semconv.INPUTS))),
        outputs=tuple(string_list(attrs.get(semconv.OUTPUTS))),
        tags=tuple(string_list(attrs.get(semconv.TAGS))),
        description=_optional_str(attrs.get(semconv.DESCRIPTION)),
        owner=_optional_str(attrs.get(semconv.OWNER)),
        explicit_kinds=tuple(kinds.items()),
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
RUN_IO_COLUMNS = ("span_id", "direction", "pointer", "component", "start_ns", "end_ns", "failed", "traced")
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
    record: SpanRecord, facts: RunFacts | None, now_ns: int, shared: dict[int, tuple[Any, str]] | None = None
) -> tuple[tuple[Any, ...], tuple[str, str] | None]:
    """The ``spans`` row of one record (in SPAN_COLUMNS order, JSON already serialised), and its code snapshot
    (hash, source) when it carries one: sources are stored once per distinct content, the span keeps the hash."""
    attributes = dict(record.attributes)
    snapshot = None
    code_hash = None
    source = attributes.pop(semconv.CODE_SNAPSHOT, None)
    if isinstance(source, str) and source:
        code_hash = snapshot_hash(source)
        snapshot = (code_hash, storable_text(source))
    elif source is not None:
        attributes[semconv.CODE_SNAPSHOT] = source  # not text: keep it as it came
    service = record.resource.get("service.name")
    return (
        record.span_id,
        record.trace_id,
        record.parent_span_id,
        storable_text(record.name),
        record.kind,
        record.start_ns,
        record.end_ns,
        record.status_code,
        storable_text(record.status_message) if record.status_message else record.status_message,
        facts.component if facts else None,
        _optional_str(attributes.get(semconv.GIT_HASH)),
        code_hash,
        _optional_str(attributes.get(semconv.NOTES)),
        storable_text(service) if isinstance(service, str) else None,
        dumps(attributes),
        dumps(_event_json(record)) if record.events else "[]",
        dumps(_link_json(record)) if record.links else "[]",
        _dumps_shared(record.resource, shared),
        _dumps_shared(record.scope, shared),
        now_ns,
    ), snapshot


@dataclass(slots=True)
class PreparedSpans:
    """A batch turned into rows, ready to write: the Python half of ingest, done before any transaction opens.

    Only tuples of plain values are kept, so the records (and their attribute dicts and lists) can be freed as
    soon as they are read, and a transaction holds its locks only for the database half.
    """

    now_ns: int
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # span id -> spans row, in arrival order
    runs: dict[str, _Run] = field(default_factory=dict)  # the component runs among them
    snapshots: dict[str, tuple[str, str]] = field(default_factory=dict)  # hash -> (hash, source)
    received: int = 0
    duplicates: int = 0
    rejected: list[RejectedSpan] = field(default_factory=list)
    conflicts: list[RejectedSpan] = field(default_factory=list)

    def extend(self, other: PreparedSpans) -> None:
        """Add another prepared batch (OTLP group commit); a span in both counts as a duplicate (a conflict when
        the two differ)."""
        self.received += other.received
        self.rejected.extend(other.rejected)
        self.conflicts.extend(other.conflicts)
        for span_id, row in other.rows.items():
            if span_id in self.rows:
                self._repeated(span_id, row)
                continue
            self.rows[span_id] = row
            run = other.runs.get(span_id)
            if run is not None:
                self.runs[span_id] = run
        self.snapshots.update(other.snapshots)
        self.duplicates += other.duplicates

    def _repeated(self, span_id: str, row: tuple[Any, ...]) -> None:
        first = self.rows[span_id]
        difference = None if row == first else content_difference(_content(first), _content(row))
        if difference is None:
            self.duplicates += 1
        else:
            self.conflicts.append(RejectedSpan(span_id, _conflict_reason(span_id, difference, "earlier in the batch")))

    def split(self) -> tuple[PreparedSpans, PreparedSpans]:
        """Two halves of the rows (each with its runs and code snapshots), to find which spans a database
        refuses. The first half carries this batch's own counts and rejections."""
        ids = list(self.rows)
        middle = len(ids) // 2
        first, second = self._part(ids[:middle]), self._part(ids[middle:])
        first.received += self.received - len(self.rows)
        first.duplicates = self.duplicates
        first.rejected = list(self.rejected)
        first.conflicts = list(self.conflicts)
        return first, second

    def _part(self, span_ids: list[str]) -> PreparedSpans:
        part = PreparedSpans(now_ns=self.now_ns, received=len(span_ids))
        for span_id in span_ids:
            row = part.rows[span_id] = self.rows[span_id]
            run = self.runs.get(span_id)
            if run is not None:
                part.runs[span_id] = run
            code_hash = row[_CODE_HASH]
            if code_hash is not None and code_hash in self.snapshots:
                part.snapshots[code_hash] = self.snapshots[code_hash]
        return part


def prepare_spans(records: Iterable[SpanRecord], now_ns: int | None = None) -> PreparedSpans:
    """Validate ``records`` and build their rows. Malformed records become rejections with a reason; a span
    repeated in the batch counts once. Reads each record once, so ``records`` may be a generator."""
    batch = PreparedSpans(now_ns=time.time_ns() if now_ns is None else now_ns)
    shared: dict[int, tuple[Any, str]] = {}
    rows, runs, snapshots = batch.rows, batch.runs, batch.snapshots
    for record in records:
        batch.received += 1
        try:
            record.validate()
            facts = run_facts(record)
            row, snapshot = span_row(record, facts, batch.now_ns, shared)
        except InvalidSpan as exc:
            batch.rejected.append(RejectedSpan(str(getattr(record, "span_id", "")), str(exc)))
            continue
        except Exception as exc:  # a value no rule foresaw: this span only, never the batch
            reason = f"it could not be turned into rows ({type(exc).__name__}: {exc})"
            batch.rejected.append(RejectedSpan(str(getattr(record, "span_id", "")), reason))
            continue
        span_id = record.span_id
        if span_id in rows:
            batch._repeated(span_id, row)
            continue
        rows[span_id] = row
        if snapshot:
            snapshots[snapshot[0]] = snapshot
        if facts is not None:
            linked = tuple(link.span_id for link in record.links) if record.links else ()
            failed = record.status_code == "ERROR"
            traced = record.attributes.get(semconv.DEPENDENCIES_FROM_INPUTS) is not False
            runs[span_id] = (span_id, record.start_ns, record.end_ns, *facts, linked, failed, traced)
    return batch


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


# What makes two deliveries of one span id the same span (ingest time, resource and such may differ).
_CONTENT_COLUMNS = (
    "trace_id", "parent_span_id", "name", "kind", "start_ns", "end_ns", "status_code", "status_message",
    "component", "attributes",
)  # fmt: skip
_CONTENT_INDEXES = tuple(SPAN_COLUMNS.index(c) for c in _CONTENT_COLUMNS)
_CODE_HASH = SPAN_COLUMNS.index("code_hash")


def _content(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(row[i] for i in _CONTENT_INDEXES)


def content_difference(stored: Sequence[Any], received: Sequence[Any]) -> str | None:
    """How two versions of one span differ (the first differing field, described), or None when they agree.
    Both are in _CONTENT_COLUMNS order; attributes may be JSON text or already decoded."""
    for name, old, new in zip(_CONTENT_COLUMNS, stored, received, strict=True):
        if name != "attributes":
            if old != new:
                return f"{name} stored {_short(old)}, received {_short(new)}"
            continue
        old_attrs = json.loads(old) if isinstance(old, str) else old
        new_attrs = json.loads(new) if isinstance(new, str) else new
        if _same_json(old_attrs, new_attrs):
            continue
        keys = sorted(set(old_attrs) | set(new_attrs))
        key = next(k for k in keys if not _same_json(old_attrs.get(k), new_attrs.get(k)))
        return f"attribute {key!r} stored {_short(old_attrs.get(key))}, received {_short(new_attrs.get(key))}"
    return None


def _same_json(a: Any, b: Any) -> bool:
    """JSON equality that survives a round trip through JSONB (1.0 may come back as 1, key order is lost)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not (isinstance(a, bool) or isinstance(b, bool)):
        return float(a) == float(b)
    return bool(a == b)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _conflict_reason(span_id: str, difference: str, where: str) -> str:
    return f"span {span_id!r} is already stored ({where}) with different content: {difference}; the stored one is kept"


def _stored_conflicts(conn: Connection, repeated: dict[str, tuple[Any, ...]]) -> list[RejectedSpan]:
    """Spans of the batch whose id was already stored with different content (a rare path: re-deliveries)."""
    columns = [spans.c[name] for name in _CONTENT_COLUMNS]
    found: list[RejectedSpan] = []
    ids = list(repeated)
    for start in range(0, len(ids), 500):
        stmt = select(spans.c.span_id, *columns).where(spans.c.span_id.in_(ids[start : start + 500]))
        for span_id, *stored in conn.execute(stmt):
            difference = content_difference(stored, _content(repeated[span_id]))
            if difference is not None:
                found.append(RejectedSpan(span_id, _conflict_reason(span_id, difference, "in the store")))
    return found


def _write_runs(conn: Connection, writer: BulkWriter, runs: list[_Run], now_ns: int) -> None:
    comps: dict[str, dict[str, Any]] = {}
    tags: set[tuple[str, str]] = set()
    pointers: dict[str, tuple[str, str, int]] = {}
    explicit: dict[str, dict[str, Any]] = {}
    io_rows: list[tuple[Any, ...]] = []
    new_inputs: list[tuple[str, str, int]] = []
    new_outputs: list[tuple[str, str, int]] = []
    links: list[tuple[str, str]] = []
    for (
        span_id,
        start_ns,
        end_ns,
        component,
        inputs,
        outputs,
        run_tags,
        description,
        owner,
        kinds,
        linked,
        failed,
        traced,
    ) in runs:
        # One row per component, carrying the batch's latest description and owner (by run start time).
        comp = comps.get(component)
        if comp is None:
            comp = comps[component] = {
                "name": component,
                "description": None,
                "description_ns": 0,
                "owner": None,
                "owner_ns": 0,
                "created_ns": now_ns,
            }
        if description is not None and start_ns >= comp["description_ns"]:
            comp["description"], comp["description_ns"] = description, start_ns
        if owner is not None and start_ns >= comp["owner_ns"]:
            comp["owner"], comp["owner_ns"] = owner, start_ns
        for tag in run_tags:
            tags.add((component, tag))
        declared = dict(kinds) if kinds else None
        # Inputs lineage does not follow get no edge now, nor from a producer arriving later (edges.py).
        unstaged: list[tuple[str, str, int]] = []
        for direction, names, staged in (
            ("in", inputs, new_inputs if traced else unstaged),
            ("out", outputs, new_outputs),
        ):
            for name in names:
                io_rows.append((span_id, direction, name, component, start_ns, end_ns, failed, traced))
                staged.append((span_id, name, start_ns))
                kind = declared.get(name) if declared else None
                if kind:
                    explicit[name] = {"name": name, "kind": kind, "created_ns": now_ns}
                elif name not in pointers:
                    pointers[name] = (name, infer_kind(name).value, now_ns)
        links.extend((span_id, linked_id) for linked_id in linked)
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
