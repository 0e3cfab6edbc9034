"""Stateless replicas, proven: three ``mltrace serve`` processes on one Postgres, started together.

OTLP batches go round-robin across them from concurrent senders; one replica is SIGKILLed with requests in flight
and restarted midway; a ``runAdded`` subscription is open on each. Every run is stored once, numbered once and
delivered once to every subscriber; lineage answers are equal from every replica; the three servers migrating
the empty database together created each table exactly once.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, text

from mltrace_otel.store.migrate import head_revision
from tests.replicas.cluster import Replica, RoundRobin, private_database, replicas

CHAINS, STEPS, BATCH = 40, 5, 10  # 200 runs in 20 batches
FINAL = "replica-final"
SUBSCRIBE = "subscription { runAdded { id component { name } } }"
LINEAGE = """query($output: String!) { lineage(output: $output) {
  roots nodes { depth run { id name component { name } inputs { name } outputs { name } } }
  edges { from to via kind } } }"""


def _runs() -> tuple[list[ReadableSpan], ReadableSpan]:
    """Chains of STEPS runs, each reading its predecessor's output, shuffled so consumers often reach a replica
    before (or at the same moment as) their producer reaches another; and one final run, sent last."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("replica-test")
    for step in range(STEPS):
        for chain in range(CHAINS):
            attributes: dict[str, Any] = {
                "mltrace.component": f"replica-step{step}",
                "mltrace.outputs": [f"rep/c{chain}/s{step}"],
            }
            if step:
                attributes["mltrace.inputs"] = [f"rep/c{chain}/s{step - 1}"]
            with tracer.start_as_current_span(f"replica-step{step}", attributes=attributes):
                pass
    with tracer.start_as_current_span(FINAL, attributes={"mltrace.component": FINAL}):
        pass
    *runs, final = memory.get_finished_spans()
    random.Random(17).shuffle(runs)
    return runs, final


def _span_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return f"{span.context.span_id:016x}"


class Subscriber:
    """A runAdded subscription on one replica, collecting ids until the final run (or its replica dies)."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.ids: list[str] = []
        self.ready = asyncio.Event()
        self.finished = False
        self.error: BaseException | None = None

    async def run(self) -> None:
        transport = WebsocketsTransport(
            url=f"ws://127.0.0.1:{self.replica.port}/graphql",
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        try:
            async with Client(transport=transport) as session:
                # Acknowledged: the server has taken this connection's arrival mark.
                self.ready.set()
                async for result in session.subscribe(GraphQLRequest(SUBSCRIBE)):
                    run = result["runAdded"]
                    self.ids.append(run["id"])
                    if run["component"]["name"] == FINAL:
                        self.finished = True
                        return
        except Exception as exc:  # its replica was killed: the connection is gone
            self.error = exc
            self.ready.set()


def _graphql(replica: Replica, query: str, variables: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{replica.url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


def _canonical(graph: dict[str, Any]) -> dict[str, Any]:
    return {
        "roots": sorted(graph["roots"]),
        "nodes": sorted(graph["nodes"], key=lambda n: n["run"]["id"]),
        "edges": sorted(graph["edges"], key=lambda e: (e["from"], e["to"], e["via"])),
    }


def test_three_replicas_one_killed_midway_store_deliver_and_answer_alike(tmp_path: Path) -> None:
    runs, final = _runs()
    batches = [runs[i : i + BATCH] for i in range(0, len(runs), BATCH)]
    third = len(batches) // 3
    with private_database() as url, replicas(url, tmp_path) as servers:
        victim = servers[2]
        balancer = RoundRobin(servers)
        after_restart: set[str] = set()

        async def scenario() -> tuple[list[Subscriber], Subscriber]:
            loop = asyncio.get_running_loop()
            subscribers = [Subscriber(replica) for replica in servers]
            tasks = [asyncio.create_task(s.run()) for s in subscribers]
            await asyncio.gather(*(s.ready.wait() for s in subscribers))
            assert not any(s.error for s in subscribers), [s.error for s in subscribers]
            reborn = Subscriber(victim)

            async def resubscribe() -> None:
                tasks.append(asyncio.create_task(reborn.run()))
                await reborn.ready.wait()
                assert reborn.error is None, reborn.error

            def send_all() -> None:
                send = balancer.send
                with ThreadPoolExecutor(3) as pool:
                    # 1: all three up; the victim is killed with batches in flight.
                    first = [pool.submit(send, b) for b in batches[:third]]
                    while sum(f.done() for f in first) < third // 2:
                        threading.Event().wait(0.01)
                    victim.kill()
                    wait(first)
                    # 2: two replicas take everything.
                    wait([pool.submit(send, b) for b in batches[third : 2 * third]])
                    # 3: the victim is back, with a new subscriber on it.
                    victim.start()
                    victim.wait_healthy()
                    asyncio.run_coroutine_threadsafe(resubscribe(), loop).result(60)
                    rest = batches[2 * third :]
                    after_restart.update(_span_id(s) for b in rest for s in b)
                    for future in [pool.submit(send, b) for b in rest]:
                        future.result()
                balancer.send([final])  # after every other batch was acknowledged: the last to arrive

            await asyncio.to_thread(send_all)
            await asyncio.wait_for(asyncio.gather(*tasks), 120)
            return subscribers, reborn

        subscribers, reborn = asyncio.run(scenario())

        sent = {_span_id(s) for s in runs} | {_span_id(final)}
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT span_id FROM spans")).scalars().all()
                numbered = conn.execute(text("SELECT span_id FROM run_arrivals")).scalars().all()
                created = conn.execute(
                    text("SELECT object_identity, count(*) FROM ddl_log WHERE command_tag = 'CREATE TABLE' GROUP BY 1")
                ).all()
                versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        finally:
            engine.dispose()

        # Every run stored once and numbered once for live delivery, including batches re-sent after the kill.
        assert sorted(stored) == sorted(sent)
        assert sorted(numbered) == sorted(sent)
        # The load balancer really spread the load (and really failed over while the victim was down).
        assert len(balancer.delivered) == 3 and balancer.failovers > 0, (balancer.delivered, balancer.failovers)
        # Subscribers on the replicas that stayed up saw every run once, whichever replica stored it.
        for subscriber in subscribers[:2]:
            assert subscriber.finished and sorted(subscriber.ids) == sorted(sent)
        # The victim's first subscriber lost its connection, having seen only distinct, stored runs.
        killed = subscribers[2]
        assert killed.error is not None and not killed.finished
        assert len(killed.ids) == len(set(killed.ids)) and set(killed.ids) <= sent
        # Its subscriber after the restart saw every run sent after that, once.
        assert reborn.finished and len(reborn.ids) == len(set(reborn.ids))
        assert after_restart | {_span_id(final)} <= set(reborn.ids) <= sent

        # Lineage answers: equal from every replica, and right (each chain's runs, linked in order).
        for chain in (0, CHAINS // 2, CHAINS - 1):
            answers = [
                _canonical(_graphql(r, LINEAGE, {"output": f"rep/c{chain}/s{STEPS - 1}"})["lineage"]) for r in servers
            ]
            assert answers[0] == answers[1] == answers[2]
            assert len(answers[0]["nodes"]) == STEPS and len(answers[0]["edges"]) == STEPS - 1
            assert {e["via"] for e in answers[0]["edges"]} == {f"rep/c{chain}/s{s}" for s in range(STEPS - 1)}

        # Migrations ran once: each table was created by exactly one of the three servers.
        assert created and all(count == 1 for _, count in created), created
        assert {name.split(".")[-1] for name, _ in created} >= {"spans", "run_io", "run_edges", "alembic_version"}
        assert versions == [head_revision()]
