"""Live delivery that never stalls: with a transaction held open in *another* database of the same Postgres
cluster (a backup, an idle-in-transaction session), a subscriber still receives every one of 5,000 runs a real
pipeline stores, once each. Postgres snapshots are cluster-wide: the old tracker waited for that transaction.

On the suite's private cluster, so no other session on the shared server is disturbed by the open transaction.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import dispose_engines, get_engine
from tests.faults.cluster import free_port, wait_until
from tests.faults.scenarios import Context, ScenarioRunner

SUBSCRIBE = 'subscription { runAdded(component: "live-step") { id } }'
RUNS = 5_000


class _Server:
    def __init__(self, url: str) -> None:
        import uvicorn

        app = create_app(ServerSettings(database_url=url, poll_interval_s=0.1), engine=get_engine(url))
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        wait_until(lambda: self.server.started, 30, "uvicorn to start")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def test_a_transaction_open_in_another_database_does_not_stall_live_delivery(scenarios: ScenarioRunner) -> None:
    cluster = scenarios.steady()
    url = cluster.create_database("live_store")
    cluster.create_database("elsewhere", migrated=False)
    other = cluster.connect("elsewhere")
    other.autocommit = False
    with other.cursor() as cur:
        cur.execute("SELECT txid_current()")  # holds a transaction id until the end of the test
    ctx = Context(scenarios, "live-delivery")

    async def subscribe_while_a_pipeline_runs(port: int) -> list[str]:
        transport = WebsocketsTransport(
            url=f"ws://127.0.0.1:{port}/graphql", subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
        )
        received: list[str] = []
        async with Client(transport=transport) as session:
            pipeline = await asyncio.to_thread(ctx.start, url, "--runs", str(RUNS), "--prefix", "live")
            async for result in session.subscribe(GraphQLRequest(SUBSCRIBE)):
                received.append(result["runAdded"]["id"])
                if len(received) == RUNS:
                    break
            finished = await asyncio.to_thread(ctx.finish, pipeline, time.monotonic())
            assert finished.returncode == 0, finished.stderr
        return received

    try:
        with _Server(url) as server:
            received = asyncio.run(asyncio.wait_for(subscribe_while_a_pipeline_runs(server.port), 300))
        engine = get_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT span_id FROM spans WHERE component = 'live-step'")).scalars().all()
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = 'elsewhere' AND backend_xid IS NOT NULL")
            ).scalar_one()
    finally:
        other.rollback()
        other.close()
        dispose_engines()
    assert waiting == 1  # the other database's transaction was open all along
    assert len(received) == len(set(received)) == RUNS
    assert set(received) == set(stored)
