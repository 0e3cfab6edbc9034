"""OTLP payload builders for the receiver tests, written the way the OTLP spec writes them."""

from __future__ import annotations

import copy
import gzip
import itertools
from typing import Any

from google.protobuf import json_format
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
T0 = 1_700_000_000_000_000_000  # ns
_ids = itertools.count(0x5000)


def span_id() -> str:
    return f"{next(_ids):016x}"


def trace_id() -> str:
    return f"{next(_ids):032x}"


def string_attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def list_attr(key: str, values: list[str]) -> dict[str, Any]:
    return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in values]}}}


def json_span(
    component: str | None = None,
    *,
    sid: str | None = None,
    tid: str | None = None,
    parent: str = "",
    start_s: float = 0,
    end_s: float = 1,
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One span as OTLP JSON writes it: hex ids, camelCase keys, 64-bit integers as strings, enums as numbers."""
    attributes = []
    if component:
        attributes.append(string_attr("mltrace.component", component))
    if inputs:
        attributes.append(list_attr("mltrace.inputs", inputs))
    if outputs:
        attributes.append(list_attr("mltrace.outputs", outputs))
    span = {
        "traceId": tid or trace_id(),
        "spanId": sid or span_id(),
        "parentSpanId": parent,
        "name": component or "plain",
        "kind": 1,
        "startTimeUnixNano": str(T0 + int(start_s * 1e9)),
        "endTimeUnixNano": str(T0 + int(end_s * 1e9)),
        "attributes": attributes,
        "status": {},
    }
    span.update(extra or {})
    return span


def json_request(spans: list[dict[str, Any]], service: str = "json-client") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [string_attr("service.name", service)]},
                "scopeSpans": [{"scope": {"name": "tests", "version": "1.0"}, "spans": spans}],
            }
        ]
    }


def protobuf_request(spans: list[dict[str, Any]], service: str = "proto-client") -> bytes:
    """The same spans as a serialized ExportTraceServiceRequest (ids converted from hex to bytes)."""
    request = ExportTraceServiceRequest()
    json_format.ParseDict(_base64_ids(copy.deepcopy(json_request(spans, service))), request)
    return request.SerializeToString()


def _base64_ids(document: dict[str, Any]) -> dict[str, Any]:
    import base64

    for rs in document["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    span[key] = base64.b64encode(bytes.fromhex(span.get(key, ""))).decode()
    return document


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


def status_of(content: bytes, content_type: str) -> Status:
    status = Status()
    if content_type.startswith("application/json"):
        json_format.Parse(content, status)
    else:
        status.ParseFromString(content)
    return status


def export_response_of(content: bytes, content_type: str) -> ExportTraceServiceResponse:
    response = ExportTraceServiceResponse()
    if content_type.startswith("application/json"):
        json_format.Parse(content, response)
    else:
        response.ParseFromString(content)
    return response
