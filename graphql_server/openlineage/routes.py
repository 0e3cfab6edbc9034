"""``POST /api/v1/lineage``: the OpenLineage HTTP endpoint, where an ``OPENLINEAGE_URL`` pointed at Marquez can
point at us unchanged. Airflow, dbt, Spark, Flink and Great Expectations send their RunEvents here.

The body is one event or an array of events (JSON, optionally gzip). Every event is checked before any is stored;
the first malformed one is answered 400 with the field it names. Stored events answer 201 (as Marquez does) with
each run's state: ``pending`` until a terminal event arrived, then ``stored`` / ``updated`` / ``unchanged``.
Storing is :mod:`mltrace_otel.openlineage.receive`; who may send is decided by graphql_server/auth/gate.py, the same
rule as ``/v1/traces``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from opentelemetry import context
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graphql_server.auth.gate import Gate
from graphql_server.auth.principal import Denied
from graphql_server.otlp.body import BadEncoding, BodyTooLarge, content_encoding, decompress, read_capped
from graphql_server.otlp.routes import _SUPPRESS_INSTRUMENTATION_KEY
from graphql_server.settings import ServerSettings
from mltrace_otel.openlineage.events import InvalidEvent, RunEvent, parse_event
from mltrace_otel.openlineage.receive import Received, receive_events
from mltrace_otel.store.faults import Fault, classify

log = logging.getLogger(__name__)

PATH = "/api/v1/lineage"


def openlineage_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    receiver = LineageReceiver(settings, engine)
    return [Route(PATH, receiver.handle, methods=["POST"])]


def _error(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"code": status, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


class LineageReceiver:
    def __init__(self, settings: ServerSettings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.gate = Gate(settings, engine)

    async def handle(self, request: Request) -> Response:
        who = await self.gate.ingest(request.headers)
        if isinstance(who, Denied):
            return _error(who.status, who.message, None, {"WWW-Authenticate": "Bearer"})
        media_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
        if media_type != "application/json":
            return _error(415, f"unsupported Content-Type {media_type!r}: send application/json")
        coding = content_encoding(request.headers.get("content-encoding"))
        if coding is None:
            return _error(415, f"unsupported Content-Encoding {request.headers.get('content-encoding')!r}")
        limit = self.settings.max_body_bytes
        try:
            raw = await read_capped(request.stream(), limit)
            body = decompress(raw, coding, limit)
        except BodyTooLarge:
            return _error(413, f"the request body exceeds {limit} bytes (MLTRACE_MAX_BODY_BYTES)")
        except BadEncoding as exc:
            return _error(400, str(exc))
        except ClientDisconnect:
            return _error(400, "the client disconnected before sending the whole body")
        return await run_in_threadpool(self._receive, body)

    def _receive(self, body: bytes) -> Response:
        """On a worker thread: reading a large array of events is CPU work the event loop must not wait on."""
        token = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            events = parse_events(body)
            received = receive_events(self.engine, events)
        except InvalidEvent as exc:
            return _error(400, f"malformed OpenLineage event: {exc}", exc.field)
        except Exception as exc:
            if classify(exc).fault is not Fault.SPAN:  # unreachable or refusing every write: worth a retry
                log.warning("OpenLineage: storing events failed, asking to retry: %s", exc)
                return _error(503, "the store is unavailable; retry", None, {"Retry-After": "1"})
            log.exception("OpenLineage: storing events failed")
            return _error(500, "storing the events failed; the server log has the details")
        finally:
            context.detach(token)
        return JSONResponse({"runs": [_run_json(r) for r in received]}, status_code=201)


def parse_events(body: bytes) -> list[RunEvent]:
    """One event or an array of them; field paths of an array's events start with their index."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidEvent("body", f"is not JSON ({exc})") from None
    if isinstance(document, list):
        if not document:
            raise InvalidEvent("body", "is an empty array")
        events = []
        for n, item in enumerate(document):
            try:
                events.append(parse_event(item))
            except InvalidEvent as exc:
                raise InvalidEvent(f"[{n}].{exc.field}", exc.problem) from None
        return events
    return [parse_event(document)]


def _run_json(received: Received) -> dict[str, str]:
    return {"runId": received.run_id, "spanId": received.span_id, "state": received.state}
