"""Many senders at once, sharing component and pointer names: every batch is stored, none deadlocks."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import components, spans
from tests.otlp.conftest import ServeFactory
from tests.otlp.payloads import PROTOBUF, json_span, protobuf_request

SENDERS, REQUESTS, RUNS = 6, 8, 60


def batch(rng: random.Random) -> bytes:
    names = [f"component-{i}" for i in range(12)]
    pointers = [f"shared/table-{i}.parquet" for i in range(30)]
    runs = []
    for _ in range(RUNS):
        start = rng.uniform(0, 1000)
        runs.append(
            json_span(
                rng.choice(names),
                start_s=start,
                end_s=start + 1,
                inputs=rng.sample(pointers, 3),
                outputs=rng.sample(pointers, 2),
            )
        )
    return protobuf_request(runs)


def test_concurrent_batches_with_shared_names_are_all_stored(db_url: str, serve: ServeFactory) -> None:
    bodies = [batch(random.Random(seed)) for seed in range(SENDERS * REQUESTS)]
    with serve(max_pending_ingests=SENDERS) as base:

        def send(first: int) -> list[int]:
            with httpx.Client(timeout=60) as client:
                return [
                    client.post(f"{base}/v1/traces", content=bodies[i], headers=PROTOBUF).status_code
                    for i in range(first, len(bodies), SENDERS)
                ]

        with ThreadPoolExecutor(SENDERS) as pool:
            statuses = [s for result in pool.map(send, range(SENDERS)) for s in result]
    assert statuses == [200] * len(bodies)  # no 503: a deadlock between two batches would show here
    with get_engine(db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(spans)).scalar_one() == len(bodies) * RUNS
        assert conn.execute(select(func.count()).select_from(components)).scalar_one() == 12
