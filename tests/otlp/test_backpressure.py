"""A receiver whose store is slower than its senders answers 503 + Retry-After instead of queueing in memory."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
from google.rpc.code_pb2 import Code
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SpanExportResult
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from graphql_server.app import create_app
from graphql_server.otlp.routes import TraceReceiver
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans
from tests.otlp.conftest import running_app
from tests.otlp.payloads import PROTOBUF, json_span, protobuf_request, status_of
from tests.otlp.test_official_exporter import recorded_pipeline


@contextmanager
def store_write_locked(db_url: str) -> Iterator[Callable[[], None]]:
    """Hold the store's write lock from another connection (a slow writer); yields a function releasing it."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        release = conn.rollback
    else:
        engine = create_engine(db_url)
        pg = engine.connect()
        pg.begin()
        pg.execute(text("LOCK TABLE spans IN EXCLUSIVE MODE"))  # blocks inserts, not reads

        def release() -> None:
            pg.rollback()

    try:
        yield release
    finally:
        release()
        if url.get_backend_name() == "sqlite":
            conn.close()
        else:
            pg.close()
            engine.dispose()


def receiver_of(app: object) -> TraceReceiver:
    for route in app.routes:  # type: ignore[attr-defined]
        if getattr(route, "path", None) == "/v1/traces":
            return route.endpoint.__self__
    raise AssertionError("no /v1/traces route")


def wait_until(condition: Callable[[], bool], timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def stored(db_url: str) -> int:
    with get_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(spans)).scalar_one()


def test_a_saturated_receiver_answers_503_and_stays_healthy(db_url: str) -> None:
    app = create_app(ServerSettings(database_url=db_url, max_pending_ingests=1))
    receiver = receiver_of(app)
    first_body = protobuf_request([json_span("first")])
    with running_app(app) as base, ThreadPoolExecutor(1) as pool:
        url = f"{base}/v1/traces"
        with store_write_locked(db_url) as release:
            first = pool.submit(httpx.post, url, content=first_body, headers=PROTOBUF, timeout=60)
            wait_until(lambda: receiver.slots.in_flight == 1)
            refused = httpx.post(url, content=protobuf_request([json_span("second")]), headers=PROTOBUF)
            assert refused.status_code == 503
            assert int(refused.headers["retry-after"]) >= 1
            assert status_of(refused.content, "application/x-protobuf").code == Code.UNAVAILABLE
            assert httpx.get(f"{base}/healthz").status_code == 200
            assert stored(db_url) == 0  # nothing was answered 200 before it was committed
            assert not first.done()
            release()
            assert first.result().status_code == 200
        assert receiver.slots.in_flight == 0
    assert stored(db_url) == 1  # the refused batch is the sender's to retry, never half-stored


def test_the_official_exporter_retries_after_a_503_by_itself(db_url: str) -> None:
    app = create_app(ServerSettings(database_url=db_url, max_pending_ingests=1))
    receiver = receiver_of(app)
    pipeline = recorded_pipeline()
    with running_app(app) as base, ThreadPoolExecutor(2) as pool:
        url = f"{base}/v1/traces"
        exporter = OTLPSpanExporter(endpoint=url, timeout=60)
        with store_write_locked(db_url) as release:
            blocker = pool.submit(
                httpx.post, url, content=protobuf_request([json_span("a")]), headers=PROTOBUF, timeout=60
            )
            wait_until(lambda: receiver.slots.in_flight == 1)
            exported = pool.submit(exporter.export, pipeline)
            wait_until(lambda: receiver.slots.refused >= 1)
            release()
            assert blocker.result().status_code == 200
            assert exported.result() is SpanExportResult.SUCCESS
        exporter.shutdown()
    assert stored(db_url) == 1 + len(pipeline)
