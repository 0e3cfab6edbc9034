"""``POST /v1/traces``: the OTLP/HTTP trace receiver (protobuf and JSON, gzip and deflate).

Spans go through :mod:`mltrace_otel.store.ingest` (``prepare_spans`` on the request's thread, then
``write_prepared``), the same two halves the SDK exporter uses, so a run means the same whichever way it arrived;
the answer is 200 only after the transaction holding them committed (requests that wait at the same time share
one transaction: see group_commit.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from opentelemetry import context
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from graphql_server.auth.gate import Gate
from graphql_server.auth.principal import Denied
from graphql_server.monitoring import health
from graphql_server.otlp.backpressure import IngestSlots
from graphql_server.otlp.body import BadEncoding, BodyTooLarge, content_encoding, decompress, read_capped
from graphql_server.otlp.decode import PayloadError, decode_json, decode_protobuf
from graphql_server.otlp.group_commit import GroupCommitter
from graphql_server.otlp.responses import Encoding, error_response, export_response
from graphql_server.settings import ServerSettings
from mltrace_otel.store.faults import Fault, classify
from mltrace_otel.store.ingest import RejectedSpan

log = logging.getLogger(__name__)

_MEDIA_TYPES = {
    "application/x-protobuf": Encoding.PROTOBUF,
    "application/protobuf": Encoding.PROTOBUF_IANA,
    "application/json": Encoding.JSON,
}
# How many rejection reasons partial_success spells out; the count covers them all.
_REASONS_SHOWN = 5

try:  # the key every OTel instrumentation checks before recording (opentelemetry-instrumentation sets the same)
    from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
except ImportError:  # pragma: no cover - older API
    _SUPPRESS_INSTRUMENTATION_KEY = context.create_key("suppress_instrumentation")


def otlp_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    receiver = TraceReceiver(settings, engine)
    return [Route("/v1/traces", receiver.handle, methods=["POST"])]


class TraceReceiver:
    signal = "traces"

    def __init__(self, settings: ServerSettings, engine: Engine) -> None:
        self.engine = engine
        self.gate = Gate(settings, engine)  # who may send: the same rule for every receiver
        self.max_body_bytes = settings.max_body_bytes
        self.slots = IngestSlots(settings.max_pending_ingests)
        health.RECEIVERS[self.slots] = self.signal
        # Requests admitted together are stored together (see group_commit.py).
        self.committer = GroupCommitter(engine)

    async def handle(self, request: Request) -> Response:
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        encoding = _MEDIA_TYPES.get(media_type)
        answer_in = encoding or Encoding.JSON  # an unknown type gets JSON: readable by a person with curl
        who = await self.gate.ingest(request.headers)
        if isinstance(who, Denied):
            return error_response(answer_in, who.status, who.message, {"WWW-Authenticate": "Bearer"})
        if encoding is None:
            return error_response(
                answer_in, 415, f"unsupported Content-Type {media_type or '(none)'!r}: send application/x-protobuf "
                "or application/json",
            )  # fmt: skip
        coding = content_encoding(request.headers.get("content-encoding"))
        if coding is None:
            return error_response(
                encoding, 415, f"unsupported Content-Encoding {request.headers.get('content-encoding')!r}: use gzip, "
                "deflate or none",
            )  # fmt: skip
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large(encoding)
        if not self.slots.try_acquire():
            retry = self.slots.retry_after_s()
            return error_response(
                encoding, 503, f"the receiver is busy storing earlier batches; retry in {retry}s",
                {"Retry-After": str(retry)},
            )  # fmt: skip
        started = time.monotonic()
        try:
            raw = await read_capped(request.stream(), self.max_body_bytes)
            return await run_in_threadpool(self._receive, raw, coding, encoding)
        except BodyTooLarge:
            return self._too_large(encoding)
        except ClientDisconnect:
            return error_response(encoding, 400, "the client disconnected before sending the whole body")
        finally:
            self.slots.release(started)
            health.INGEST_SECONDS.labels(self.signal).observe(time.monotonic() - started)

    def _too_large(self, encoding: Encoding) -> Response:
        return error_response(
            encoding, 413, f"the request body exceeds {self.max_body_bytes} bytes after decompression; send "
            "smaller batches (e.g. a lower max_export_batch_size)",
        )  # fmt: skip

    def _receive(self, raw: bytes, coding: str, encoding: Encoding) -> Response:
        """Runs on a worker thread: decompress, decode, store. Never records spans of its own."""
        token = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            try:
                batch = self._decode(decompress(raw, coding, self.max_body_bytes), encoding)
            except BodyTooLarge:
                return self._too_large(encoding)
            except (BadEncoding, PayloadError) as exc:
                return error_response(encoding, 400, str(exc))
            return self._store(batch, encoding)
        finally:
            context.detach(token)

    def _decode(self, body: bytes, encoding: Encoding) -> Any:
        """The request's payload (the log receiver decodes log records instead); PayloadError when malformed."""
        return decode_json(body) if encoding is Encoding.JSON else decode_protobuf(body)

    def _store_failed(self, exc: Exception, encoding: Encoding, count: int, items: str) -> Response:
        """The answer when storing ``count`` ``items`` raised: 503 + Retry-After when no item is at fault (unreachable
        or refusing every write: the sender keeps them and retries; a Collector with a persistent queue keeps them for
        as long as it takes), else 500. The driver's text (host, port, user) goes to the log only."""
        diagnosis = classify(exc)
        if diagnosis.fault is not Fault.SPAN:
            log.warning("/v1/%s: storing %d %s failed, asking to retry: %s", self.signal, count, items, exc)
            return error_response(
                encoding, 503, f"the store is unavailable ({diagnosis.fault.value}); retry later",
                {"Retry-After": "1" if diagnosis.fault is Fault.UNAVAILABLE else "30"},
            )  # fmt: skip
        log.exception("/v1/%s: storing %d %s failed", self.signal, count, items)
        return error_response(encoding, 500, f"storing the {items} failed; the server log has the details")

    def _store(self, batch: Any, encoding: Encoding) -> Response:
        try:
            result = self.committer.store(batch.records)
        except Exception as exc:
            return self._store_failed(exc, encoding, len(batch.records), "spans")
        rejected = batch.rejected + result.rejected
        health.SPANS.labels("stored").inc(len(batch.records) - len(result.rejected) - len(result.conflicts))
        health.SPANS.labels("rejected").inc(len(rejected) + len(result.conflicts))
        if not rejected and not result.conflicts:
            return export_response(encoding)
        for conflict in result.conflicts[:_REASONS_SHOWN]:
            log.warning("OTLP receiver: %s", conflict.reason)
        return export_response(encoding, len(rejected) + len(result.conflicts), _message(rejected, result.conflicts))


def _message(rejected: list[RejectedSpan], conflicts: list[RejectedSpan]) -> str:
    parts = []
    if rejected:
        parts.append(_listed(f"{len(rejected)} spans rejected", rejected))
    if conflicts:
        parts.append(
            _listed(f"{len(conflicts)} span ids already stored with different content (not stored)", conflicts)
        )
    return "; ".join(parts)


def _listed(head: str, items: list[RejectedSpan]) -> str:
    shown = "; ".join(_shortened(r.reason) for r in items[:_REASONS_SHOWN])
    more = len(items) - _REASONS_SHOWN
    return f"{head}: {shown}" + (f" (and {more} more)" if more > 0 else "")


def _shortened(reason: str, limit: int = 400) -> str:
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."
