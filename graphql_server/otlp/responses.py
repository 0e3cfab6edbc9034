"""OTLP/HTTP answers: an ``ExportTraceServiceResponse`` on success, a ``google.rpc.Status`` on error.

Both are written in the request's encoding (protobuf or JSON), as the OTLP spec requires, so any OTLP client can
read why it was refused. Only 429/502/503/504 are retryable for clients; everything else here means "do not
send this again as it is".
"""

from __future__ import annotations

from enum import Enum

from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc.code_pb2 import Code
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.responses import Response


class Encoding(Enum):
    PROTOBUF = "application/x-protobuf"
    # The IANA-registered name of the same encoding: a request sent as it is answered as it (in kind).
    PROTOBUF_IANA = "application/protobuf"
    JSON = "application/json"


# The gRPC code that mirrors each HTTP status we answer with (google.rpc.Status carries one).
_GRPC_CODES = {
    400: Code.INVALID_ARGUMENT,
    401: Code.UNAUTHENTICATED,
    413: Code.RESOURCE_EXHAUSTED,
    415: Code.INVALID_ARGUMENT,
    500: Code.INTERNAL,
    503: Code.UNAVAILABLE,
}


def _encode(message: Message, encoding: Encoding, status_code: int, headers: dict[str, str] | None) -> Response:
    if encoding is Encoding.JSON:
        body = json_format.MessageToJson(message, indent=None).encode("utf-8")
    else:
        body = message.SerializeToString()
    return Response(body, status_code=status_code, media_type=encoding.value, headers=headers)


def export_response(encoding: Encoding, rejected_spans: int = 0, error_message: str = "") -> Response:
    """200: every span is stored, or (``rejected_spans`` > 0) the rest are and ``error_message`` says why not."""
    message = ExportTraceServiceResponse()
    if rejected_spans or error_message:
        message.partial_success.rejected_spans = rejected_spans
        message.partial_success.error_message = error_message
    return _encode(message, encoding, 200, None)


def error_response(
    encoding: Encoding, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    status = Status(code=_GRPC_CODES.get(status_code, Code.UNKNOWN), message=message)
    return _encode(status, encoding, status_code, headers)
