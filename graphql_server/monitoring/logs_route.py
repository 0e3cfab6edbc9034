"""``POST /v1/logs``: outputs and feedback as OTLP log records, beside the trace receiver.

It is the trace receiver with another payload: the same bearer-token check, content types and encodings, body
cap, back-pressure (its own slots) and status codes (400 malformed, 401, 413, 415, 503 store unavailable with
Retry-After, 200 with ``partial_success`` naming what was refused).
"""

from __future__ import annotations

import logging

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from starlette.responses import Response

from graphql_server.monitoring import health
from graphql_server.monitoring.logs_decode import DecodedLogs, decode_json, decode_protobuf
from graphql_server.otlp.responses import Encoding
from graphql_server.otlp.routes import TraceReceiver
from mltrace_otel.monitoring.write import store_observations

log = logging.getLogger(__name__)


class LogReceiver(TraceReceiver):
    signal = "logs"

    def _decode(self, body: bytes, encoding: Encoding) -> DecodedLogs:
        return decode_json(body) if encoding is Encoding.JSON else decode_protobuf(body)

    def _store(self, decoded: DecodedLogs, encoding: Encoding) -> Response:
        try:
            store_observations(self.engine, decoded.rows)
        except Exception as exc:
            return self._store_failed(exc, encoding, len(decoded.rows), "log records")
        health.LOG_RECORDS.labels("stored").inc(len(decoded.rows))
        health.LOG_RECORDS.labels("rejected").inc(decoded.rejected)
        message = ExportLogsServiceResponse()
        if decoded.rejected:
            message.partial_success.rejected_log_records = decoded.rejected
            more = decoded.rejected - len(decoded.reasons)
            message.partial_success.error_message = (
                f"{decoded.rejected} log records or values not stored: " + "; ".join(decoded.reasons)
                + (f" (and {more} more)" if more > 0 else "")
            )  # fmt: skip
        return _encode(message, encoding)


def _encode(message: Message, encoding: Encoding) -> Response:
    from google.protobuf import json_format

    if encoding is Encoding.JSON:
        body = json_format.MessageToJson(message, indent=None).encode("utf-8")
    else:
        body = message.SerializeToString()
    return Response(body, status_code=200, media_type=encoding.value)
