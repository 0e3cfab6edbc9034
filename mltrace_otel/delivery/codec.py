"""Ended spans as spool records: encoded on the caller's thread (a few microseconds), decoded by the drainer.

A record is a frame: ``<length u32><crc32 u32>`` then the body, one type byte and a ``marshal`` payload. marshal
was the fastest encoding for the caller's thread (figures in docs/design.md §9; pickle is as fast but loads code)
and reads back only plain data. Its format is stable since Python 3.4 (version 4) and
newer Pythons read older versions, so a spool outlives an interpreter upgrade.

What every span of a provider shares is written once per segment and referred to by number: the resource, the
instrumentation scope, and a ``@register``'d function's source (the very same object each time). A span's
payload holds only plain values taken straight from the SDK's span; turning them into a :class:`SpanRecord`
(hex ids, JSON-shaped attributes) is the drainer's work.
"""

from __future__ import annotations

import marshal
import struct
import zlib
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id

from mltrace_otel.semconv import CODE_SNAPSHOT
from mltrace_otel.span_record import (
    SpanEventRecord,
    SpanLinkRecord,
    SpanRecord,
    json_attributes,
    json_value,
)

FRAME = struct.Struct("<II")
SPAN, RESOURCE, SCOPE, TEXT, OBSERVATIONS = b"S", b"R", b"C", b"T", b"O"
SPAN_TYPE, RESOURCE_TYPE, SCOPE_TYPE, TEXT_TYPE = SPAN[0], RESOURCE[0], SCOPE[0], TEXT[0]
OBSERVATIONS_TYPE = OBSERVATIONS[0]
# Records the drainer stores (counted, marked, reported); the other types are definitions they refer to.
PAYLOAD_TYPES = frozenset((SPAN_TYPE, OBSERVATIONS_TYPE))
# Values of one batch of outputs or feedback per frame: a drainer batch stays a bounded transaction, and a
# frame a bounded copy, whatever the size of the caller's list.
OBSERVATIONS_PER_FRAME = 16_384
MAX_BODY = 256 << 20  # a frame claiming more is corrupt, not a span
# A code snapshot at least this long is written once per segment when it recurs as the same object (the source
# of a @register'd function is: it is computed once per function).
SHARED_TEXT_MIN = 256

_KINDS = {kind.value: kind.name for kind in SpanKind}  # Python numbering: INTERNAL = 0
_STATUS = {code.value: code.name for code in StatusCode}


class Definitions:
    """Numbers given to shared objects in one segment (writer side), by identity; the objects are kept alive so
    an id cannot be reused while it is a key."""

    __slots__ = ("numbers",)

    def __init__(self) -> None:
        self.numbers: dict[int, tuple[object, int]] = {}

    def number(self, obj: object) -> int | None:
        hit = self.numbers.get(id(obj))
        return hit[1] if hit is not None and hit[0] is obj else None

    def add(self, obj: object) -> int:
        number = len(self.numbers) + 1
        self.numbers[id(obj)] = (obj, number)
        return number


def frame(kind: bytes, payload: Any) -> bytes:
    body = kind + marshal.dumps(payload)
    return FRAME.pack(len(body), zlib.crc32(body)) + body


def large_frame(kind: bytes, payload: Any) -> bytearray:
    """:func:`frame` for a payload of thousands of values: one copy of the marshalled bytes instead of two, and
    marshal's version 2, which does not track references (version 4 looks up every value shared with the caller's
    list in a table: about 3x slower for a batch of outputs)."""
    data = marshal.dumps(payload, 2)
    out = bytearray(FRAME.size + 1 + len(data))
    out[FRAME.size] = kind[0]
    out[FRAME.size + 1 :] = data
    FRAME.pack_into(out, 0, len(data) + 1, zlib.crc32(data, zlib.crc32(kind)))
    return out


def _plain(attributes: Any) -> Any:
    """The SDK's attribute mapping as a plain dict, without copying when it can (BoundedAttributes keeps one)."""
    if not attributes:
        return None
    inner = getattr(attributes, "_dict", None)
    return inner if type(inner) is dict else dict(attributes)


def _json_safe(attributes: Any) -> Any:
    """Attributes marshal can write: values the SDK allows that marshal cannot (say, nested mappings) as JSON."""
    if not attributes:
        return None
    return {str(k): json_value(v) for k, v in attributes.items()}


def _safe_frame(kind: bytes, payload: tuple[Any, ...], mappings: tuple[int, ...], nested: tuple[int, ...]) -> bytes:
    """``frame(kind, payload)``; when marshal meets an object it cannot write (the rare path), the attribute
    mappings at positions ``mappings``, and those ending each tuple at positions ``nested``, become JSON."""
    try:
        return frame(kind, payload)
    except ValueError:
        fixed = list(payload)
        for i in mappings:
            fixed[i] = _json_safe(fixed[i])
        for i in nested:
            fixed[i] = tuple((*item[:-1], _json_safe(item[-1])) for item in fixed[i])
        return frame(kind, tuple(fixed))


def encode_span(span: ReadableSpan, defs: Definitions, out: list[bytes]) -> None:
    """Append to ``out`` the frames that record ``span``: definitions it needs first, then the span itself.

    This runs on the caller's thread for every span, so it reads the SDK span's fields directly (the public
    properties copy attributes and events, and go through the enum machinery); every SDK release this package
    allows (see pyproject) has them, and a span object without them takes the public properties.
    """
    try:
        fields = (
            span._context, span._parent, span._name, span._kind, span._start_time, span._end_time, span._status,
            span._attributes, span._events, span._links, span._resource, span._instrumentation_scope,
        )  # fmt: skip
    except AttributeError:
        fields = (
            span.context, span.parent, span.name, span.kind, span.start_time, span.end_time, span.status,
            span.attributes, span.events, span.links, span.resource, span.instrumentation_scope,
        )  # fmt: skip
    ctx, parent, name, kind, start, end, status, attributes, events, links, resource, scope = fields
    if ctx is None:
        raise ValueError(f"span {name!r} has no span context")
    numbers = defs.numbers
    hit = numbers.get(id(resource))
    if hit is not None and hit[0] is resource:
        resource_no = hit[1]
    else:
        resource_no = defs.add(resource)
        payload = (resource_no, _plain(resource.attributes), resource.schema_url)
        out.append(_safe_frame(RESOURCE, payload, (1,), ()))
    scope_no = 0
    if scope is not None:
        hit = numbers.get(id(scope))
        if hit is not None and hit[0] is scope:
            scope_no = hit[1]
        else:
            scope_no = defs.add(scope)
            out.append(frame(SCOPE, (scope_no, scope.name, scope.version)))
    attributes = _plain(attributes)
    shared: tuple[tuple[str, int], ...] = ()
    if attributes:
        source = attributes.get(CODE_SNAPSHOT)
        if type(source) is str and len(source) >= SHARED_TEXT_MIN:
            hit = numbers.get(id(source))
            if hit is not None and hit[0] is source:
                number = hit[1]
            else:
                number = defs.add(source)
                out.append(frame(TEXT, (number, source)))
            shared = ((CODE_SNAPSHOT, number),)
            attributes = {k: v for k, v in attributes.items() if k != CODE_SNAPSHOT}
    span_payload = (
        ctx.trace_id,
        ctx.span_id,
        parent.span_id if parent is not None else None,
        name,
        kind._value_,
        start,
        end,
        status.status_code._value_,
        status.description,
        attributes,
        tuple([(e.name, e.timestamp, _plain(e.attributes)) for e in events]) if events else (),
        tuple([(li.context.trace_id, li.context.span_id, _plain(li.attributes)) for li in links]) if links else (),
        resource_no,
        scope_no,
        shared,
    )
    out.append(_safe_frame(SPAN, span_payload, (9,), (10, 11)))


class Decoder:
    """Reads one segment's records back, in order; keeps the segment's definitions."""

    __slots__ = ("resources", "scopes", "texts")

    def __init__(self) -> None:
        self.resources: dict[int, dict[str, Any]] = {}
        self.scopes: dict[int, dict[str, Any]] = {}
        self.texts: dict[int, str] = {}

    def define(self, kind: int, body: bytes) -> None:
        payload = marshal.loads(body[1:])
        if kind == RESOURCE_TYPE:
            self.resources[payload[0]] = json_attributes(payload[1])
        elif kind == SCOPE_TYPE:
            self.scopes[payload[0]] = {"name": payload[1], "version": payload[2]}
        elif kind == TEXT_TYPE:
            self.texts[payload[0]] = payload[1]

    def span(self, body: bytes) -> SpanRecord:
        (trace_id, span_id, parent, name, kind, start, end, status, description, attributes, events, links,
         resource_no, scope_no, shared) = marshal.loads(body[1:])  # fmt: skip
        attrs = json_attributes(attributes)
        for key, number in shared:
            attrs[key] = self.texts.get(number, "")
        return SpanRecord(
            trace_id=format_trace_id(trace_id),
            span_id=format_span_id(span_id),
            parent_span_id=format_span_id(parent) if parent else None,
            name=name,
            kind=_KINDS.get(kind, "UNSPECIFIED"),
            start_ns=start or 0,
            end_ns=end or 0,
            status_code=_STATUS.get(status, "UNSET"),
            status_message=description or None,
            attributes=attrs,
            events=tuple(SpanEventRecord(name=n, time_ns=t, attributes=json_attributes(a)) for n, t, a in events),
            links=tuple(
                SpanLinkRecord(trace_id=format_trace_id(t), span_id=format_span_id(s), attributes=json_attributes(a))
                for t, s, a in links
            ),
            resource=self.resources.get(resource_no, {}),
            scope=self.scopes.get(scope_no, {}),
        )


def span_end_ns(body: bytes) -> int:
    """When the span in ``body`` ended (for the age of the oldest unsent span)."""
    return int(marshal.loads(body[1:])[6] or 0)


def record_time_ns(body: bytes) -> int:
    """When the record in ``body`` was made: a span's end, or the time outputs or feedback were logged."""
    if body[0] == OBSERVATIONS_TYPE:
        return int(marshal.loads(body[1:])[4] or 0)
    return span_end_ns(body)


# ---- outputs and feedback ------------------------------------------------------------------------------------
# Payload: (kind, task, body, output_id, ts_ns, trace_id, span_id), the fields of an ``mltrace.output`` /
# ``mltrace.feedback`` log record (monitoring/events.py): ``body`` is the value and ``output_id`` its id, or for a
# batch ``body`` is ``(values, output_ids)`` and ``output_id`` None; trace and span ids are ints (0: none). Values
# are checked by the drainer, as the OTLP receiver checks a log record's; only what marshal cannot write is
# looked at on the caller's thread.

ID_SEPARATOR = "\x00"
_UNWRITABLE = "!"  # (_UNWRITABLE, reason) stands for a value marshal cannot write: refused, with the reason


def encode_observations(
    kind: str, task: str, body: Any, output_id: Any, ts_ns: int, trace_id: int, span_id: int
) -> list[bytes | bytearray]:
    """The frames holding one logged record: one frame, or one per OBSERVATIONS_PER_FRAME values of a batch.

    Only plain values reach marshal: it writes any object with a buffer (a numpy scalar, an array) as its raw
    bytes, which would store a different value; those go through ``item()`` or become a refusal first.
    """
    if output_id is not None or not isinstance(body, tuple):
        value, key = _writable((body, output_id))
        return [frame(OBSERVATIONS, (kind, task, value, key, ts_ns, trace_id, span_id))]
    values, ids = body
    step = OBSERVATIONS_PER_FRAME
    frames: list[bytes | bytearray] = []
    for start in range(0, max(1, len(values)), step):
        part = (_writable(values[start : start + step]), _joined(ids[start : start + step]))
        frames.append(large_frame(OBSERVATIONS, (kind, task, part, None, ts_ns, trace_id, span_id)))
    return frames


_PLAIN = frozenset((float, int, bool, str, type(None)))


def _joined(ids: Any) -> Any:
    """String ids as one NUL-separated string (marshal writes one string much faster than thousands), else as a
    list of plain values: ids that are not all strings, or an id holding a NUL itself (the drainer refuses it,
    by its id)."""
    try:
        joined = ID_SEPARATOR.join(ids)
    except TypeError:
        return _writable(ids)
    return joined if ids and joined.count(ID_SEPARATOR) == len(ids) - 1 else _writable(ids)


def _writable(values: Any) -> Any:
    """``values`` themselves when every one is plain (one pass in C), else a list of them with numpy scalars as
    Python ones and anything else as a refusal, with the reason."""
    if set(map(type, values)) <= _PLAIN:
        return values
    out: list[Any] = []
    for value in values:
        if type(value) in _PLAIN:
            out.append(value)
            continue
        item = getattr(value, "item", None)
        if callable(item):
            try:
                plain = item()
            except Exception:
                plain = None
            if type(plain) in _PLAIN and plain is not None:
                out.append(plain)
                continue
        out.append((_UNWRITABLE, f"value {value!r} is not a number, boolean or string"))
    return out


def split_ids(ids: Any) -> Any:
    """The ids of a batch frame as a list (see :func:`_joined`)."""
    return ids.split(ID_SEPARATOR) if type(ids) is str else ids


def decode_observations(body: bytes) -> tuple[str, str, Any, Any, int, int, int]:
    """The payload of an observations frame (see :func:`encode_observations`)."""
    kind, task, value, output_id, ts_ns, trace_id, span_id = marshal.loads(body[1:])
    return kind, task, value, output_id, ts_ns, trace_id, span_id


def unwritable_reason(value: Any) -> str | None:
    """The reason stored in place of a value marshal could not write, else None."""
    if type(value) is tuple and len(value) == 2 and value[0] == _UNWRITABLE:
        return str(value[1])
    return None
