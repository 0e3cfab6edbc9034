"""The one shape every span takes on its way into the store, whichever path it came by.

The SDK exporter builds records from ``ReadableSpan``; the OTLP receiver builds them from protobuf. Both hand them
to :func:`mltrace_otel.store.ingest.prepare_spans`, which turns each into rows with one function, so a run means
the same thing however it arrived.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id

from mltrace_otel.errors import MltraceError

JsonValue = Any

_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
STATUS_CODES = ("UNSET", "OK", "ERROR")
SPAN_KINDS = ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER", "UNSPECIFIED")


class InvalidSpan(MltraceError, ValueError):
    """A span that cannot be stored; the message names the span and the field."""

    code = "INVALID_SPAN"


@dataclass(frozen=True, slots=True)
class SpanLinkRecord:
    trace_id: str
    span_id: str
    attributes: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpanEventRecord:
    name: str
    time_ns: int
    attributes: dict[str, JsonValue] = field(default_factory=dict)


class _Where:
    """Names a span in an error message; formatted only when a message is actually built (validation is hot)."""

    __slots__ = ("record",)

    def __init__(self, record: SpanRecord) -> None:
        self.record = record

    def __format__(self, spec: str) -> str:
        return f"span {self.record.span_id!r} ({self.record.name!r})"


@dataclass(frozen=True, slots=True)
class SpanRecord:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    status_code: str = "UNSET"
    status_message: str | None = None
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    events: tuple[SpanEventRecord, ...] = ()
    links: tuple[SpanLinkRecord, ...] = ()
    resource: dict[str, JsonValue] = field(default_factory=dict)
    scope: dict[str, JsonValue] = field(default_factory=dict)

    def validate(self) -> SpanRecord:
        """Return self when storable, else raise :class:`InvalidSpan` saying what is wrong."""
        where = _Where(self)
        if not isinstance(self.span_id, str) or not _HEX16.match(self.span_id) or self.span_id == "0" * 16:
            raise InvalidSpan(f"{where}: span id must be 16 lowercase hex characters, not all zero")
        if not isinstance(self.trace_id, str) or not _HEX32.match(self.trace_id) or self.trace_id == "0" * 32:
            raise InvalidSpan(f"{where}: trace id must be 32 lowercase hex characters, not all zero")
        if self.parent_span_id is not None and not _HEX16.match(self.parent_span_id):
            raise InvalidSpan(f"{where}: parent span id must be 16 hex characters or absent")
        if not isinstance(self.start_ns, int) or not isinstance(self.end_ns, int):
            raise InvalidSpan(f"{where}: start and end times must be integer nanoseconds")
        if self.start_ns <= 0 or self.end_ns <= 0:
            raise InvalidSpan(f"{where}: start and end times must be set (got {self.start_ns}, {self.end_ns})")
        if self.end_ns < self.start_ns:
            raise InvalidSpan(f"{where}: ends ({self.end_ns}) before it starts ({self.start_ns})")
        if self.end_ns >= 2**63:
            raise InvalidSpan(f"{where}: end time {self.end_ns} does not fit in 64 bits")
        if self.status_code not in STATUS_CODES:
            raise InvalidSpan(f"{where}: status code {self.status_code!r} is not one of {STATUS_CODES}")
        if self.kind not in SPAN_KINDS:
            raise InvalidSpan(f"{where}: span kind {self.kind!r} is not one of {SPAN_KINDS}")
        for link in self.links:
            if not _HEX16.match(link.span_id) or not _HEX32.match(link.trace_id):
                raise InvalidSpan(f"{where}: a span link has a malformed trace or span id")
        longest: dict[str, int] = {}
        for key, limit in _BOUNDED_ATTRIBUTES.items():
            value = self.attributes.get(key)
            for item in value if isinstance(value, list) else [value]:
                # Stored as text whatever type it came as (ingest applies str() to the odd ones).
                text = item if isinstance(item, str) or item is None else str(item)
                if not text:
                    continue
                size = len(text) if text.isascii() else len(text.encode("utf-8", "replace"))  # isascii is O(1)
                if size > limit:
                    raise InvalidSpan(f"{where}: a value of {key} is longer than {limit} bytes ({size} bytes: "
                                      f"{text[:40]!r}...)")  # fmt: skip
                longest[key] = max(longest.get(key, 0), size)
        # (component, tag) is one index key: each may be within its limit while the two together are not.
        pair = longest.get("mltrace.component", 0) + longest.get("mltrace.tags", 0)
        if pair > _MAX_KEY_BYTES:
            raise InvalidSpan(
                f"{where}: its component name and a tag are {pair} bytes together, over the {_MAX_KEY_BYTES}-byte "
                "limit of one index key (Postgres indexes at most ~2,700 bytes per entry)"
            )
        return self


# Values stored in indexed or fixed-width columns: Postgres refuses a btree entry over ~2.7 KB (2,704 bytes with
# its headers) and a git hash over its 64 characters, and one refused row would fail the whole batch. Rejected
# here instead, by name, on both backends (a store must be movable from SQLite to Postgres). The composite key
# (component, tag) gets a limit of its own: two 2 KB names fit their own limits but not one key.
_MAX_NAME_BYTES = 2_048
_MAX_KEY_BYTES = 2_600
_BOUNDED_ATTRIBUTES = {
    "mltrace.component": _MAX_NAME_BYTES,
    "mltrace.inputs": _MAX_NAME_BYTES,
    "mltrace.outputs": _MAX_NAME_BYTES,
    "mltrace.tags": _MAX_NAME_BYTES,
    "mltrace.code.git_hash": 64,
}


_PLAIN = (str, int, bool)


def json_value(value: Any) -> JsonValue:
    """Attribute values as JSON, keeping what came (nested maps, arrays, bytes as base64) without raising."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is tuple or kind is list:
        # The SDK hands sequences over as tuples of plain values; convert without recursing when it can.
        return [v if type(v) in _PLAIN else json_value(v) for v in value]
    if isinstance(value, float):
        # JSON has no NaN/Infinity; keep them readable rather than failing the whole span.
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (str, int)):  # subclasses (enums, numpy-like scalars)
        return str(value) if isinstance(value, str) else int(value)
    if isinstance(value, Sequence):
        return [json_value(v) for v in value]
    return str(value)


def json_attributes(attributes: Mapping[str, Any] | None) -> dict[str, JsonValue]:
    if not attributes:
        return {}
    return {k if type(k) is str else str(k): v if type(v) in _PLAIN else json_value(v) for k, v in attributes.items()}


# Every span of a provider shares one Resource and one scope object per tracer: convert each once. Keyed by id
# with the object kept alive in the value, so an id cannot be reused while cached; bounded.
_converted: dict[int, tuple[Any, dict[str, JsonValue]]] = {}


def _converted_once(obj: Any, convert: Callable[[Any], dict[str, JsonValue]]) -> dict[str, JsonValue]:
    if obj is None:
        return {}
    hit = _converted.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = convert(obj)
    if len(_converted) > 256:
        _converted.clear()
    _converted[id(obj)] = (obj, value)
    return value


def _resource_json(resource: Any) -> dict[str, JsonValue]:
    return json_attributes(resource.attributes)


def _scope_json(scope: Any) -> dict[str, JsonValue]:
    """The instrumentation scope as a dict, one shared dict per scope object (ingest serialises it once)."""
    return {"name": scope.name, "version": scope.version}


def from_readable_span(span: ReadableSpan) -> SpanRecord:
    """Build a record from an ended SDK span. Never raises for odd attribute values; ids are checked later."""
    ctx = span.get_span_context()
    if ctx is None:
        raise InvalidSpan(f"span {span.name!r} has no span context")
    parent = span.parent.span_id if span.parent is not None else None
    status = span.status
    scope = span.instrumentation_scope
    return SpanRecord(
        trace_id=format_trace_id(ctx.trace_id),
        span_id=format_span_id(ctx.span_id),
        parent_span_id=format_span_id(parent) if parent else None,
        name=span.name,
        kind=span.kind.name,
        start_ns=span.start_time or 0,
        end_ns=span.end_time or 0,
        status_code=StatusCode(status.status_code).name,
        status_message=status.description or None,
        attributes=json_attributes(span.attributes),
        events=tuple(
            SpanEventRecord(name=e.name, time_ns=e.timestamp, attributes=json_attributes(e.attributes))
            for e in span.events
        ),
        links=tuple(
            SpanLinkRecord(
                trace_id=format_trace_id(link.context.trace_id),
                span_id=format_span_id(link.context.span_id),
                attributes=json_attributes(link.attributes),
            )
            for link in span.links
        ),
        resource=_converted_once(span.resource, _resource_json),
        scope=_converted_once(scope, _scope_json),
    )
