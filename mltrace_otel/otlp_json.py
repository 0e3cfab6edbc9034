"""Span records as OTLP/JSON (``ExportTraceServiceRequest``) and back, with the standard library only.

Used where the protobuf stack is not wanted: ``mltrace run --server`` posts its run to ``/v1/traces`` with it, and
``mltrace db export | import`` writes and reads one request per line (the Collector's file exporter format).
OTLP/JSON writes trace and span ids as hex, 64-bit integers as strings, and enums as integers; any value the
store holds (strings, numbers, booleans, arrays, maps) maps onto an ``AnyValue`` and back unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mltrace_otel.errors import MltraceError
from mltrace_otel.span_record import JsonValue, SpanEventRecord, SpanLinkRecord, SpanRecord

KIND_NUMBERS = {"UNSPECIFIED": 0, "INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
STATUS_NUMBERS = {"UNSET": 0, "OK": 1, "ERROR": 2}
_KIND_NAMES = {n: k for k, n in KIND_NUMBERS.items()}
_STATUS_NAMES = {n: k for k, n in STATUS_NUMBERS.items()}
_HEX = re.compile(r"^[0-9a-fA-F]*$")


class OtlpJsonError(MltraceError, ValueError):
    """A document that is not an OTLP/JSON trace request; the message says where."""

    code = "INVALID_OTLP_JSON"


def any_value(value: JsonValue) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, Mapping):
        return {"kvlistValue": {"values": key_values(value)}}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    return {"stringValue": str(value)}


def key_values(attributes: Mapping[str, JsonValue]) -> list[dict[str, Any]]:
    return [{"key": key, "value": any_value(value)} for key, value in attributes.items()]


def span_json(record: SpanRecord) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": record.trace_id,
        "spanId": record.span_id,
        "name": record.name,
        "kind": KIND_NUMBERS.get(record.kind, 0),
        "startTimeUnixNano": str(record.start_ns),
        "endTimeUnixNano": str(record.end_ns),
        "attributes": key_values(record.attributes),
        "status": {"code": STATUS_NUMBERS.get(record.status_code, 0)},
    }
    if record.parent_span_id:
        span["parentSpanId"] = record.parent_span_id
    if record.status_message:
        span["status"]["message"] = record.status_message
    if record.events:
        span["events"] = [
            {"timeUnixNano": str(e.time_ns), "name": e.name, "attributes": key_values(e.attributes)}
            for e in record.events
        ]
    if record.links:
        span["links"] = [
            {"traceId": li.trace_id, "spanId": li.span_id, "attributes": key_values(li.attributes)}
            for li in record.links
        ]
    return span


def _scope_json(scope: Mapping[str, JsonValue]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": scope.get("name") or ""}
    if scope.get("version"):
        out["version"] = scope["version"]
    extra = scope.get("attributes")
    if isinstance(extra, Mapping) and extra:
        out["attributes"] = key_values(extra)
    return out


def export_request(records: Iterable[SpanRecord]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` holding ``records``, grouped by resource, then by scope (in order)."""
    groups: dict[str, tuple[dict[str, Any], dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]]] = {}
    for record in records:
        resource_key = repr(sorted(record.resource.items()))
        resource = groups.get(resource_key)
        if resource is None:
            resource = groups[resource_key] = ({"attributes": key_values(record.resource)}, {})
        scope_key = repr(sorted(record.scope.items()))
        scope = resource[1].get(scope_key)
        if scope is None:
            scope = resource[1][scope_key] = (_scope_json(record.scope), [])
        scope[1].append(span_json(record))
    return {
        "resourceSpans": [
            {"resource": res, "scopeSpans": [{"scope": sc, "spans": spans} for sc, spans in scopes.values()]}
            for res, scopes in groups.values()
        ]
    }


# ---- decoding ------------------------------------------------------------------------------------------------


def decode_any(value: Any, where: str) -> JsonValue:
    if not isinstance(value, Mapping):
        raise OtlpJsonError(f"{where}: an AnyValue must be an object")
    if not value:
        return None
    if "stringValue" in value:
        return str(value["stringValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            raise OtlpJsonError(f"{where}: intValue {value['intValue']!r} is not an integer") from None
    if "doubleValue" in value:
        number = value["doubleValue"]
        if isinstance(number, str):  # protobuf's JSON spelling of NaN and the infinities
            return number
        number = float(number)
        return number if math.isfinite(number) else str(number)
    if "arrayValue" in value:
        return [decode_any(v, where) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return decode_attributes((value["kvlistValue"] or {}).get("values", []), where)
    if "bytesValue" in value:
        return str(value["bytesValue"])  # base64, as the store keeps bytes
    raise OtlpJsonError(f"{where}: unknown AnyValue {sorted(value)!r}")


def decode_attributes(pairs: Any, where: str) -> dict[str, JsonValue]:
    if pairs is None:
        return {}
    if not isinstance(pairs, list):
        raise OtlpJsonError(f"{where}: attributes must be an array of key-values")
    out: dict[str, JsonValue] = {}
    for pair in pairs:
        if not isinstance(pair, Mapping) or not isinstance(pair.get("key"), str):
            raise OtlpJsonError(f"{where}: an attribute needs a string key")
        out[pair["key"]] = decode_any(pair.get("value") or {}, f"{where}, attribute {pair['key']!r}")
    return out


def _hex_id(value: Any, length: int, where: str, field: str) -> str:
    if not isinstance(value, str) or len(value) != length or not _HEX.match(value):
        raise OtlpJsonError(f"{where}: {field} must be {length} hex characters (OTLP/JSON writes ids as hex)")
    return value.lower()


def _nanos(value: Any, where: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OtlpJsonError(f"{where}: {field} {value!r} is not an integer of nanoseconds") from None


def _enum(value: Any, names: dict[int, str], prefix: str) -> str:
    if isinstance(value, str):
        return value.removeprefix(prefix)
    return names.get(int(value or 0), f"unknown {value}")


def decode_span(span: Any, resource: dict[str, JsonValue], scope: dict[str, JsonValue], where: str) -> SpanRecord:
    if not isinstance(span, Mapping):
        raise OtlpJsonError(f"{where}: a span must be an object")
    span_id = _hex_id(span.get("spanId"), 16, where, "spanId")
    where = f"{where} (span {span_id})"
    parent = span.get("parentSpanId") or None
    status = span.get("status") or {}
    return SpanRecord(
        trace_id=_hex_id(span.get("traceId"), 32, where, "traceId"),
        span_id=span_id,
        parent_span_id=_hex_id(parent, 16, where, "parentSpanId") if parent else None,
        name=str(span.get("name", "")),
        kind=_enum(span.get("kind"), _KIND_NAMES, "SPAN_KIND_"),
        start_ns=_nanos(span.get("startTimeUnixNano"), where, "startTimeUnixNano"),
        end_ns=_nanos(span.get("endTimeUnixNano"), where, "endTimeUnixNano"),
        status_code=_enum(status.get("code"), _STATUS_NAMES, "STATUS_CODE_"),
        status_message=status.get("message") or None,
        attributes=decode_attributes(span.get("attributes"), where),
        events=tuple(
            SpanEventRecord(
                name=str(e.get("name", "")),
                time_ns=_nanos(e.get("timeUnixNano"), where, "an event's timeUnixNano"),
                attributes=decode_attributes(e.get("attributes"), where),
            )
            for e in span.get("events") or []
        ),
        links=tuple(
            SpanLinkRecord(
                trace_id=_hex_id(li.get("traceId"), 32, where, "a link's traceId"),
                span_id=_hex_id(li.get("spanId"), 16, where, "a link's spanId"),
                attributes=decode_attributes(li.get("attributes"), where),
            )
            for li in span.get("links") or []
        ),
        resource=resource,
        scope=scope,
    )


def decode_request(document: Any, where: str = "request") -> list[SpanRecord]:
    """The spans of one ``ExportTraceServiceRequest`` document; raises :class:`OtlpJsonError` naming the place."""
    if not isinstance(document, Mapping):
        raise OtlpJsonError(f"{where}: an OTLP/JSON request must be an object with 'resourceSpans'")
    records: list[SpanRecord] = []
    for r, resource_spans in enumerate(document.get("resourceSpans") or []):
        here = f"{where}, resourceSpans[{r}]"
        resource = decode_attributes((resource_spans.get("resource") or {}).get("attributes"), here)
        for s, scope_spans in enumerate(resource_spans.get("scopeSpans") or []):
            raw_scope = scope_spans.get("scope") or {}
            scope: dict[str, JsonValue] = {
                "name": raw_scope.get("name", ""),
                "version": raw_scope.get("version") or None,
            }
            if raw_scope.get("attributes"):
                scope["attributes"] = decode_attributes(raw_scope["attributes"], here)
            for n, span in enumerate(scope_spans.get("spans") or []):
                records.append(decode_span(span, resource, scope, f"{here}.scopeSpans[{s}].spans[{n}]"))
    return records
