"""OTLP log payloads (protobuf or JSON) to the outputs and feedback they carry.

Strict about the envelope (an undecodable body is a 400), lenient per record: a record that is not an mltrace
output or feedback, or one whose value is unusable, is refused with a reason (told back in ``partial_success``)
and the rest are stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from graphql_server.otlp.decode import PayloadError, _convert_ids, _dicts, any_value, attributes, parse_protobuf
from mltrace_otel.monitoring.events import (
    FEEDBACK_EVENT,
    OUTPUT_EVENT,
    BadRecord,
    Observation,
    event_kind,
    observations,
)

_ID_KEYS = (("traceId", "trace_id"), ("spanId", "span_id"))


@dataclass(slots=True)
class DecodedLogs:
    rows: list[Observation] = field(default_factory=list)
    records: int = 0
    rejected: int = 0  # log records (or values of a batch record) not stored
    reasons: list[str] = field(default_factory=list)

    def refuse(self, reasons: list[str]) -> None:
        self.rejected += len(reasons)
        self.reasons.extend(reasons[: max(0, 5 - len(self.reasons))])


def decode_protobuf(body: bytes) -> DecodedLogs:
    return _decoded(parse_protobuf(ExportLogsServiceRequest(), body), DecodedLogs())


def decode_json(body: bytes) -> DecodedLogs:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise PayloadError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise PayloadError("an OTLP JSON body must be an object with a 'resourceLogs' array")
    out = DecodedLogs()
    for resource_logs in _dicts(document.get("resourceLogs", document.get("resource_logs"))):
        for scope_logs in _dicts(resource_logs.get("scopeLogs", resource_logs.get("scope_logs"))):
            records = scope_logs.get("logRecords", scope_logs.get("log_records"))
            if not isinstance(records, list):
                continue
            kept: list[Any] = []
            for record in records:
                problem = _convert_ids(record, _ID_KEYS) if isinstance(record, dict) else None
                if problem is None:
                    kept.append(record)
                else:
                    out.records += 1
                    out.refuse([f"a log record: {problem}"])
            scope_logs["logRecords" if "logRecords" in scope_logs else "log_records"] = kept
    request = ExportLogsServiceRequest()
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (json_format.ParseError, RecursionError, TypeError, ValueError) as exc:
        raise PayloadError(f"the JSON body is not an OTLP ExportLogsServiceRequest: {exc}") from None
    return _decoded(request, out)


def _decoded(request: ExportLogsServiceRequest, out: DecodedLogs) -> DecodedLogs:
    for resource_logs in request.resource_logs:
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                out.records += 1
                attrs = attributes(record.attributes)
                kind = event_kind(record.event_name, attrs)
                if kind is None:
                    name = record.event_name or attrs.get("event.name") or "(none)"
                    out.refuse([f"a log record with event name {name!r} is not an mltrace output or feedback "
                                f"(event name {OUTPUT_EVENT!r} or {FEEDBACK_EVENT!r})"])  # fmt: skip
                    continue
                ts = record.time_unix_nano or record.observed_time_unix_nano
                if not ts:
                    out.refuse([f"a {kind} record has neither timeUnixNano nor observedTimeUnixNano"])
                    continue
                try:
                    rows, refused = observations(
                        kind, any_value(record.body), attrs, ts, record.trace_id.hex() or None,
                        record.span_id.hex() or None,
                    )  # fmt: skip
                except BadRecord as exc:
                    out.refuse([f"a {kind} record: {exc}"])
                    continue
                out.rows.extend(rows)
                out.refuse(refused)
    return out
