"""Span records to rows: validation and every row ingest writes, built in Python before any transaction.

The one definition of each row's field order: ``spans`` (SPAN_COLUMNS, built by span_row), a prepared run
(PreparedRun, built by prepare_spans and read by run_rows), ``run_io``, ``io_pointers`` and ``components``.
store/ingest.py writes what this module builds (docs/design.md §4).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeAlias

from mltrace_otel import semconv
from mltrace_otel.pointers import infer_kind, parse_kind
from mltrace_otel.span_record import InvalidSpan, JsonValue, SpanRecord
from mltrace_otel.store.bulk import dumps
from mltrace_otel.store.text import has_lone_surrogate, storable_text

log = logging.getLogger("mltrace_otel.store.ingest")


@dataclass(frozen=True, slots=True)
class RejectedSpan:
    span_id: str
    reason: str


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
PreparedRun: TypeAlias = tuple[
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
    runs: dict[str, PreparedRun] = field(default_factory=dict)  # the component runs among them
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
        difference = None if row == first else content_difference(content_of(first), content_of(row))
        if difference is None:
            self.duplicates += 1
        else:
            self.conflicts.append(RejectedSpan(span_id, conflict_reason(span_id, difference, "earlier in the batch")))

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


# What makes two deliveries of one span id the same span (ingest time, resource and such may differ).
CONTENT_COLUMNS = (
    "trace_id", "parent_span_id", "name", "kind", "start_ns", "end_ns", "status_code", "status_message",
    "component", "attributes",
)  # fmt: skip
CONTENT_INDEXES = tuple(SPAN_COLUMNS.index(c) for c in CONTENT_COLUMNS)
_CODE_HASH = SPAN_COLUMNS.index("code_hash")


def content_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(row[i] for i in CONTENT_INDEXES)


def content_difference(stored: Sequence[Any], received: Sequence[Any]) -> str | None:
    """How two versions of one span differ (the first differing field, described), or None when they agree.
    Both are in CONTENT_COLUMNS order; attributes may be JSON text or already decoded."""
    for name, old, new in zip(CONTENT_COLUMNS, stored, received, strict=True):
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


def conflict_reason(span_id: str, difference: str, where: str) -> str:
    return f"span {span_id!r} is already stored ({where}) with different content: {difference}; the stored one is kept"


@dataclass(slots=True)
class RunRows:
    """The rows a batch's new runs add beside their spans: components, tags, pointers, IO, and what edge repair
    reads (the staged inputs and outputs, the span links)."""

    components: dict[str, dict[str, Any]]
    tags: set[tuple[str, str]]
    pointers: dict[str, tuple[str, str, int]]  # inferred kinds: inserted when new
    explicit: dict[str, dict[str, Any]]  # declared kinds: they win over a stored one
    io_rows: list[tuple[Any, ...]]  # in RUN_IO_COLUMNS order
    new_inputs: list[tuple[str, str, int]]
    new_outputs: list[tuple[str, str, int]]
    links: list[tuple[str, str]]


def run_rows(runs: list[PreparedRun], now_ns: int) -> RunRows:
    """The rows of ``runs`` (new in this transaction), in the order PreparedRun declares its fields."""
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
    return RunRows(comps, tags, pointers, explicit, io_rows, new_inputs, new_outputs, links)
