"""Requests that wait for the store together are written in one transaction, each answered for its own spans."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans
from tests.otlp.conftest import running_app
from tests.otlp.payloads import PROTOBUF, export_response_of, json_span, protobuf_request
from tests.otlp.test_backpressure import receiver_of, store_write_locked, wait_until

REQUESTS = 6


def test_waiting_requests_share_one_transaction(db_url: str) -> None:
    app = create_app(ServerSettings(database_url=db_url, max_pending_ingests=REQUESTS))
    receiver = receiver_of(app)
    # Request i carries 10 good spans and i spans that end before they start.
    bodies = [
        protobuf_request(
            [json_span("etl", outputs=[f"out-{i}-{n}.csv"]) for n in range(10)]
            + [json_span("bad", start_s=2, end_s=1) for _ in range(i)]
        )
        for i in range(REQUESTS)
    ]
    with running_app(app) as base, ThreadPoolExecutor(REQUESTS) as pool:
        with store_write_locked(db_url) as release:
            futures = [
                pool.submit(httpx.post, f"{base}/v1/traces", content=body, headers=PROTOBUF, timeout=60)
                for body in bodies
            ]
            wait_until(lambda: receiver.slots.in_flight == REQUESTS)
            wait_until(lambda: len(receiver.committer._queue) == REQUESTS - 1)  # one writes, the rest wait
            release()
        responses = [f.result() for f in futures]
    assert [r.status_code for r in responses] == [200] * REQUESTS
    partial = [export_response_of(r.content, "application/x-protobuf").partial_success for r in responses]
    assert [p.rejected_spans for p in partial] == list(range(REQUESTS))
    # The first request's transaction, then everything that queued behind it: two commits, not six.
    assert receiver.committer.groups == 2
    with get_engine(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(spans)).scalar_one() == 10 * REQUESTS
