"""runAdded over a real websocket (uvicorn, graphql-transport-ws, the gql client): runs stored by another process
arrive once each, in order, filtered by component; a late commit of an earlier sequence value is not lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import Connection, Engine, insert

from mltrace_otel.store.engine import create_store_engine
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.models import spans
from mltrace_otel.store.span_record import SpanRecord
from tests.graphql.conftest import LiveServer
from tests.helpers import run_record

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBE = "subscription($component: String) { runAdded(component: $component) { id name component { name } } }"


def _transport(server: LiveServer) -> WebsocketsTransport:
    return WebsocketsTransport(url=server.websocket_url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])


async def _collect(
    server: LiveServer, count: int, variables: dict[str, Any], timeout: float = 30
) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    async with Client(transport=_transport(server)) as session:

        async def consume() -> None:
            async for result in session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values=variables)):
                received.append(result["runAdded"])
                if len(received) == count:
                    return

        await asyncio.wait_for(consume(), timeout)
    return received


def test_runs_stored_by_another_process_arrive_once_in_order_and_filtered(live_server: LiveServer, db_url: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.graphql.writer", db_url, "0.15"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        received = asyncio.run(_collect(live_server, 6, {"component": "etl"}))
    finally:
        writer.kill()
        committed = writer.communicate(timeout=10)[0].split()
    assert all(r["name"] == "etl" and r["component"] == {"name": "etl"} for r in received)
    ids = [r["id"] for r in received]
    # The subscription starts at some point in the writer's stream; from there on, nothing is missed or repeated.
    first = committed.index(ids[0])
    assert ids == committed[first : first + 6]


def _insert_span_row(conn: Connection, record: SpanRecord) -> None:
    """The first step of every ingest: the spans row, which takes the next arrival sequence value."""
    conn.execute(
        insert(spans).values(
            span_id=record.span_id,
            trace_id=record.trace_id,
            name=record.name,
            kind=record.kind,
            start_ns=record.start_ns,
            end_ns=record.end_ns,
            status_code=record.status_code,
            component=record.attributes["mltrace.component"],
            attributes=record.attributes,
            events=[],
            links=[],
            resource={},
            scope={},
            ingested_ns=time.time_ns(),
        )
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_transaction_that_commits_late_is_still_delivered(
    live_server: LiveServer, engine: Engine, db_url: str
) -> None:
    """On Postgres a smaller sequence value can become visible after a larger one; it must not be skipped.

    (SQLite has one writer at a time, so its rows become visible in sequence order.)
    """
    other_writer = create_store_engine(db_url)
    early = run_record("slow", 0, 1, outputs=["early.csv"])
    late = run_record("fast", 2, 3, outputs=["late.csv"])
    warmups: list[str] = []

    async def next_id(events: Any) -> str:
        event = await asyncio.wait_for(anext(events), 30)
        run_id: str = event["runAdded"]["id"]
        return run_id

    async def scenario() -> list[str]:
        delivered: list[str] = []
        async with Client(transport=_transport(live_server)) as session:
            events = session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"component": None}))

            async def warm() -> None:  # until the subscription is live, keep storing runs
                while True:
                    record = run_record("warm", -2, -1)
                    warmups.append(record.span_id)
                    await asyncio.to_thread(ingest_spans, engine, [record])
                    await asyncio.sleep(0.3)

            warming = asyncio.create_task(warm())
            delivered.append(await next_id(events))
            warming.cancel()
            # `early` takes its sequence value first but commits last.
            with other_writer.connect() as slow:
                transaction = slow.begin()
                _insert_span_row(slow, early)
                await asyncio.wait_for(asyncio.to_thread(ingest_spans, engine, [late]), 30)
                while delivered[-1] != late.span_id:
                    delivered.append(await next_id(events))
                await asyncio.sleep(0.5)  # several polls go by while `early` is uncommitted
                transaction.commit()
            while delivered[-1] != early.span_id:
                delivered.append(await next_id(events))
            await events.aclose()
        return delivered

    try:
        delivered = asyncio.run(scenario())
    finally:
        other_writer.dispose()
    news = [d for d in delivered if d not in warmups]
    assert news == [late.span_id, early.span_id]
    assert len(delivered) == len(set(delivered))
