"""OTLP trace payloads (protobuf or JSON) to :class:`SpanRecord`, the shape ingest stores.

Decoding is strict about the envelope (an undecodable body is a 400) and lenient per span: a span whose ids or
enums are malformed becomes a rejection with a reason, reported back as ``partial_success``, and the rest of the
batch is stored. Nothing is validated twice: ``SpanRecord.validate`` (called by ``prepare_spans``) is the one
judge of ids, times, kinds and status codes; unknown enum numbers are passed on under a name it rejects.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from mltrace_otel.span_record import JsonValue, SpanEventRecord, SpanLinkRecord, SpanRecord
from mltrace_otel.store.ingest import RejectedSpan

# Protobuf numbering (0 is UNSPECIFIED there, while Python's SpanKind starts at INTERNAL = 0): we store names.
_KINDS = {
    Span.SPAN_KIND_UNSPECIFIED: "UNSPECIFIED",
    Span.SPAN_KIND_INTERNAL: "INTERNAL",
    Span.SPAN_KIND_SERVER: "SERVER",
    Span.SPAN_KIND_CLIENT: "CLIENT",
    Span.SPAN_KIND_PRODUCER: "PRODUCER",
    Span.SPAN_KIND_CONSUMER: "CONSUMER",
}
_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}
# OTLP JSON writes these ids as hex; protobuf's JSON mapping expects base64 (both spellings of the key parse).
_SPAN_ID_KEYS = (("traceId", "trace_id"), ("spanId", "span_id"), ("parentSpanId", "parent_span_id"))
_LINK_ID_KEYS = (("traceId", "trace_id"), ("spanId", "span_id"))


class PayloadError(ValueError):
    """The body is not an OTLP trace export request; the message says what is wrong (answered with 400)."""


@dataclass(slots=True)
class DecodedBatch:
    records: list[SpanRecord] = field(default_factory=list)
    # Spans refused before they became records (JSON ids that are not hex); the rest are judged at ingest.
    rejected: list[RejectedSpan] = field(default_factory=list)


M = TypeVar("M", bound=Message)


def parse_protobuf(request: M, body: bytes) -> M:
    """``body`` parsed into ``request`` (an OTLP export request of any signal); PayloadError naming its type."""
    try:
        request.ParseFromString(body)
    except (DecodeError, RecursionError) as exc:
        raise PayloadError(f"the body is not a protobuf {type(request).__name__}: {exc}") from None
    return request


def decode_protobuf(body: bytes) -> DecodedBatch:
    return DecodedBatch(records=span_records(parse_protobuf(ExportTraceServiceRequest(), body)))


def decode_json(body: bytes) -> DecodedBatch:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise PayloadError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise PayloadError("an OTLP JSON body must be an object with a 'resourceSpans' array")
    rejected = _hex_ids_to_base64(document)
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (json_format.ParseError, RecursionError, TypeError, ValueError) as exc:
        raise PayloadError(f"the JSON body is not an OTLP ExportTraceServiceRequest: {exc}") from None
    return DecodedBatch(records=span_records(request), rejected=rejected)


def span_records(request: ExportTraceServiceRequest) -> list[SpanRecord]:
    """One record per span; resource and scope dicts are built once per group and shared by its spans."""
    records: list[SpanRecord] = []
    append = records.append
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = _scope(scope_spans.scope)
            for span in scope_spans.spans:
                append(_record(span, resource, scope))
    return records


def _record(span: Span, resource: dict[str, JsonValue], scope: dict[str, JsonValue]) -> SpanRecord:
    status = span.status
    return SpanRecord(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex() or None,
        name=span.name,
        kind=_KINDS.get(span.kind) or f"unknown kind {span.kind}",
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        status_code=_STATUS.get(status.code) or f"unknown status {status.code}",
        status_message=status.message or None,
        attributes=attributes(span.attributes) if span.attributes else {},
        events=tuple(
            SpanEventRecord(name=e.name, time_ns=e.time_unix_nano, attributes=attributes(e.attributes))
            for e in span.events
        ),
        links=tuple(
            SpanLinkRecord(trace_id=li.trace_id.hex(), span_id=li.span_id.hex(), attributes=attributes(li.attributes))
            for li in span.links
        ),
        resource=resource,
        scope=scope,
    )


def _scope(scope: InstrumentationScope) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {"name": scope.name, "version": scope.version or None}
    if scope.attributes:
        out["attributes"] = attributes(scope.attributes)
    return out


def attributes(pairs: Iterable[KeyValue]) -> dict[str, JsonValue]:
    """OTLP key-values as JSON values; a repeated key keeps its last value, as the SDK does."""
    return {kv.key: any_value(kv.value) for kv in pairs}


def any_value(value: AnyValue) -> JsonValue:
    """Every AnyValue type survives: arrays and kvlists nest, bytes become base64 (as the exporter path does)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return value.int_value
    if which == "bool_value":
        return value.bool_value
    if which == "double_value":
        number = value.double_value
        # JSON has no NaN/Infinity: keep them readable rather than refusing the span.
        return number if math.isfinite(number) else str(number)
    if which == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if which == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None  # an empty AnyValue is OTLP's null


def _hex_ids_to_base64(document: dict[str, Any]) -> list[RejectedSpan]:
    """Rewrite OTLP JSON's hex ids in place as base64; drop (and report) spans whose ids are not hex.

    Values of the wrong JSON type are left alone so the protobuf parser reports them as a malformed body.
    """
    rejected: list[RejectedSpan] = []
    for resource_spans in _dicts(document.get("resourceSpans", document.get("resource_spans"))):
        for scope_spans in _dicts(resource_spans.get("scopeSpans", resource_spans.get("scope_spans"))):
            key = "spans"
            spans = scope_spans.get(key)
            if not isinstance(spans, list):
                continue
            kept: list[Any] = []
            for span in spans:
                if not isinstance(span, dict):
                    kept.append(span)
                    continue
                problem = _convert_ids(span, _SPAN_ID_KEYS)
                for link in _dicts(span.get("links")):
                    problem = problem or _convert_ids(link, _LINK_ID_KEYS, "a link's ")
                if problem is None:
                    kept.append(span)
                else:
                    span_id = str(span.get("spanId", span.get("span_id", "")))[:64]
                    rejected.append(RejectedSpan(span_id, f"span {span_id!r}: {problem}"))
            scope_spans[key] = kept
    return rejected


def _convert_ids(obj: MutableMapping[str, Any], keys: tuple[tuple[str, str], ...], what: str = "") -> str | None:
    for camel, snake in keys:
        for key in (camel, snake):
            raw = obj.get(key)
            if not isinstance(raw, str):
                continue
            try:
                obj[key] = base64.b64encode(bytes.fromhex(raw)).decode("ascii")
            except (ValueError, binascii.Error):
                return f"{what}{camel} {raw[:64]!r} is not hex (OTLP JSON writes ids as hex, not base64)"
    return None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
