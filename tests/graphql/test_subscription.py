"""runAdded over a real websocket (uvicorn, graphql-transport-ws, the gql client): runs stored by another process
arrive once each, in order, filtered by component; a late commit is not lost, a run stored as the subscription
starts is not lost, and a slow subscriber catches up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import Engine

from mltrace_otel.store.engine import create_store_engine
from mltrace_otel.store.ingest import ingest_spans
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


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_transaction_that_commits_late_is_delivered_and_holds_back_later_numbers(
    live_server: LiveServer, engine: Engine, db_url: str
) -> None:
    """Runs are numbered as the last step of their transaction, under a lock held until commit: a batch that
    commits late makes later batches wait for their numbers, so readers never skip it (and never wait for it)."""
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
            with other_writer.connect() as slow:
                transaction = slow.begin()
                await asyncio.to_thread(ingest_spans, slow, [early])  # numbered, not committed
                storing_late = asyncio.create_task(asyncio.to_thread(ingest_spans, engine, [late]))
                await asyncio.sleep(0.5)  # several polls go by while `early` is uncommitted
                assert not storing_late.done()  # it cannot take a number before `early` commits
                transaction.commit()
            await asyncio.wait_for(storing_late, 30)
            while late.span_id not in delivered:
                delivered.append(await next_id(events))
            await events.aclose()
        return delivered

    try:
        delivered = asyncio.run(scenario())
    finally:
        other_writer.dispose()
    news = [d for d in delivered if d not in warmups]
    assert news == [early.span_id, late.span_id]
    assert len(delivered) == len(set(delivered))


def test_a_run_stored_between_the_connection_and_the_subscription_is_delivered(
    live_server: LiveServer, engine: Engine
) -> None:
    """The UI shows "live" once the websocket is acknowledged and subscribes a moment later: a run stored in
    between must arrive (the subscription starts from where the connection was acknowledged)."""
    between = run_record("between", 0, 1, outputs=["between.csv"])
    after = run_record("after", 1, 2, inputs=["between.csv"])

    async def scenario() -> list[str]:
        async with Client(transport=_transport(live_server)) as session:  # connection_init, then the ack
            await asyncio.to_thread(ingest_spans, engine, [between])
            received: list[str] = []
            async for result in session.subscribe(GraphQLRequest(SUBSCRIBE, variable_values={"component": None})):
                received.append(result["runAdded"]["id"])
                if len(received) == 1:
                    await asyncio.to_thread(ingest_spans, engine, [after])
                if len(received) == 2:
                    return received
        return []

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) == [between.span_id, after.span_id]


def test_a_slow_subscriber_catches_up_instead_of_being_dropped(engine: Engine) -> None:
    """More runs than a subscriber's queue holds are stored while it reads nothing: it gets every one, once, in
    order (its queue stays bounded; it reads the rest from the store itself)."""
    from graphql_server.database import Database
    from graphql_server.subscriptions.run_feed import QUEUE_SIZE, RunFeed

    records = [run_record("burst", i, i + 1) for i in range(QUEUE_SIZE * 2 + 137)]

    async def scenario() -> list[str]:
        feed = RunFeed(Database(engine), interval_s=0.02)
        async with feed.subscribe() as subscriber:
            first = subscriber.position
            for start in range(0, len(records), 500):
                await asyncio.to_thread(ingest_spans, engine, records[start : start + 500])
            while feed.position < first + len(records):  # the poller has read them all
                await asyncio.sleep(0.02)
            assert subscriber.queue.qsize() == QUEUE_SIZE  # the rest were left for it to read
            return [(await subscriber.next()).id for _ in records]

    assert asyncio.run(asyncio.wait_for(scenario(), 60)) == [r.span_id for r in records]


RESUME = "subscription($after: String) { runAdded(after: $after) { id arrivalCursor } }"


def test_a_subscriber_that_reconnects_with_its_cursor_gets_every_run_stored_since_once(
    live_server: LiveServer, engine: Engine
) -> None:
    before = [run_record("etl", i, i + 1) for i in range(3)]
    while_away = [run_record("etl", 10 + i, 11 + i) for i in range(5)]
    after_reconnect = [run_record("etl", 20 + i, 21 + i) for i in range(2)]
    sentinel = run_record("etl", 30, 31)

    async def events(variables: dict[str, Any], store: list[Any], count: int) -> list[dict[str, Any]]:
        """Subscribe on a new connection, store ``store`` one by one, and read ``count`` events; then disconnect."""
        received: list[dict[str, Any]] = []
        async with Client(transport=_transport(live_server)) as session:
            stream = session.subscribe(GraphQLRequest(RESUME, variable_values=variables))
            for record in store:
                await asyncio.to_thread(ingest_spans, engine, [record])
            while len(received) < count:
                received.append((await asyncio.wait_for(anext(stream), 30))["runAdded"])
            await stream.aclose()
        return received

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first = await events({}, before, 3)
        for record in while_away:  # nobody is connected
            await asyncio.to_thread(ingest_spans, engine, [record])
        resumed = await events({"after": first[-1]["arrivalCursor"]}, [*after_reconnect, sentinel], 8)
        return first, resumed

    first, resumed = asyncio.run(scenario())
    assert [e["id"] for e in first] == [r.span_id for r in before]
    # Every run stored since the cursor, once, in order; the sentinel stored last proves nothing came twice.
    assert [e["id"] for e in resumed] == [r.span_id for r in [*while_away, *after_reconnect, sentinel]]
    assert len({e["arrivalCursor"] for e in first + resumed}) == 11

    async def bad_cursor() -> None:
        async with Client(transport=_transport(live_server)) as session:
            async for _ in session.subscribe(GraphQLRequest(RESUME, variable_values={"after": "not-ours"})):
                pass

    with pytest.raises(TransportQueryError, match="not one this server issued"):
        asyncio.run(asyncio.wait_for(bad_cursor(), 30))
