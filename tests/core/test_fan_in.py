"""The 499-run fan-in DAG (mltrace's slow case: 5.1 s, one query per node) traced once per run, in a constant
number of statements whatever its size."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine

import mltrace_otel
from mltrace_otel.queries.details import run_details
from mltrace_otel.queries.lineage import Direction, lineage
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.core.conftest import Store
from tests.helpers import count_statements, run_record

STAGES = ("ingest", "validate", "clean", "featuregen")


def fan_in(shards: int, tag: str) -> list[SpanRecord]:
    """One ``partition`` run writes a manifest; ``shards`` chains ingest → validate → clean → featuregen read it;
    one training reads every shard's features; one inference reads the model (124 shards: 499 runs)."""
    manifest = f"{tag}/manifest.json"
    runs: list[SpanRecord] = [run_record("partition", 0, 0.5, outputs=[manifest])]
    for s in range(shards):
        previous = [manifest]
        for step, stage in enumerate(STAGES, start=1):
            output = f"{tag}/{stage}-{s}.csv"
            runs.append(run_record(stage, step, step + 0.5, inputs=previous, outputs=[output]))
            previous = [output]
    features = [f"{tag}/featuregen-{s}.csv" for s in range(shards)]
    runs.append(run_record("training", 12, 13, inputs=features, outputs=[f"{tag}/model.pkl"]))
    runs.append(run_record("inference", 14, 15, inputs=[f"{tag}/model.pkl"], outputs=[f"{tag}/prediction"]))
    return runs


def test_the_499_run_dag_is_traced_with_every_run_once(engine: Engine) -> None:
    runs = fan_in(124, "big")
    assert len(runs) == 499
    ingest_spans(engine, runs)
    with engine.connect() as conn:
        graph = lineage(conn, output="big/prediction")
    assert len(graph.runs) == 499 and set(graph.runs) == {r.span_id for r in runs}
    assert not graph.truncated
    pairs = Counter((e.consumer_id, e.producer_id, e.via) for e in graph.edges)
    assert max(pairs.values()) == 1
    assert len(graph.edges) == 124 * 4 + 124 + 1
    depths = Counter(graph.depths.values())
    assert depths == {0: 1, 1: 1, 2: 124, 3: 124, 4: 124, 5: 124, 6: 1}


@pytest.mark.parametrize("direction", [Direction.UPSTREAM, Direction.DOWNSTREAM])
def test_lineage_statements_do_not_grow_with_the_dag(engine: Engine, direction: Direction) -> None:
    small, big = fan_in(3, "small"), fan_in(124, "big")
    ingest_spans(engine, small + big)
    counts = []
    for runs, tag in ((small, "small"), (big, "big")):
        with engine.connect() as conn, count_statements(engine) as counter:
            if direction is Direction.UPSTREAM:
                graph = lineage(conn, output=f"{tag}/prediction")
            else:
                graph = lineage(conn, run_ids=[runs[0].span_id], direction=direction)  # from the partition
            details = run_details(conn, list(graph.runs.values()))
        assert len(details) == len(runs)
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_backtrace_of_the_big_dag_lists_each_run_once_in_a_constant_number_of_statements(store: Store) -> None:
    engine = store.engine
    small, big = fan_in(3, "small"), fan_in(124, "big")
    ingest_spans(engine, small + big)
    counts = []
    for tag, size in (("small", len(small)), ("big", len(big))):
        with count_statements(engine) as counter:
            trace = mltrace_otel.backtrace(f"{tag}/prediction")
        assert len(trace) == size
        assert len({info.id for _, info in trace}) == size
        assert [d for d, _ in trace] == sorted(d for d, _ in trace)
        counts.append(counter.count)
    assert counts[0] == counts[1]
