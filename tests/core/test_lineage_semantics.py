"""docs/design.md §2, rule by rule, on spans ingested directly (as the exporter and the OTLP receiver both do)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.lineage import Direction, latest_producers, lineage
from mltrace_otel.queries.linked_runs import dependencies_of, dependents_of
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.models import run_edges
from tests.helpers import count_statements, run_record


def _deps(engine: Engine, run: SpanRecord) -> set[str]:
    with engine.connect() as conn:
        return {e.producer_id for e in dependencies_of(conn, [run.span_id])[run.span_id]}


def _edge_rows(engine: Engine) -> set[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(run_edges))}  # type: ignore[misc]


def test_the_latest_producer_that_ended_before_the_consumer_started_wins(engine: Engine) -> None:
    old = run_record("etl", 0, 1, outputs=["x"])
    newer = run_record("etl", 2, 3, outputs=["x"])
    still_running = run_record("etl", 4, 20, outputs=["x"])  # started before the consumer, ended after
    consumer = run_record("train", 10, 11, inputs=["x"])
    ingest_spans(engine, [old, newer, still_running, consumer])
    assert _deps(engine, consumer) == {newer.span_id}


def test_a_producer_ending_exactly_when_the_consumer_starts_counts(engine: Engine) -> None:
    producer = run_record("etl", 0, 5, outputs=["x"])
    consumer = run_record("train", 5, 6, inputs=["x"])
    ingest_spans(engine, [producer, consumer])
    assert _deps(engine, consumer) == {producer.span_id}


def test_with_clock_skew_the_latest_producer_that_started_before_counts(engine: Engine) -> None:
    # Neither producer ended before the consumer started (another host's clock runs ahead).
    first = run_record("etl", 0, 30, outputs=["x"])
    second = run_record("etl", 2, 25, outputs=["x"])
    consumer = run_record("train", 10, 11, inputs=["x"])
    ingest_spans(engine, [first, second, consumer])
    assert _deps(engine, consumer) == {second.span_id}


def test_a_producer_that_started_after_the_consumer_is_never_chosen(engine: Engine) -> None:
    consumer = run_record("train", 10, 11, inputs=["x"])
    later = run_record("etl", 12, 13, outputs=["x"])
    ingest_spans(engine, [consumer, later])
    assert _deps(engine, consumer) == set()


def test_equal_end_times_are_broken_by_the_higher_span_id(engine: Engine) -> None:
    low = run_record("etl", 0, 5, outputs=["x"], span_id="00000000000000a1")
    high = run_record("etl", 1, 5, outputs=["x"], span_id="00000000000000b2")
    consumer = run_record("train", 6, 7, inputs=["x"])
    ingest_spans(engine, [high, low, consumer])
    assert _deps(engine, consumer) == {high.span_id}


def test_equal_start_times_in_the_skew_fallback_are_broken_by_the_higher_span_id(engine: Engine) -> None:
    low = run_record("etl", 0, 50, outputs=["x"], span_id="00000000000000c1")
    high = run_record("etl", 0, 40, outputs=["x"], span_id="00000000000000d2")
    consumer = run_record("train", 6, 7, inputs=["x"])
    ingest_spans(engine, [consumer, low, high])
    assert _deps(engine, consumer) == {high.span_id}


def test_a_run_reading_and_writing_one_pointer_depends_on_the_previous_writer_never_itself(engine: Engine) -> None:
    first = run_record("append", 0, 1, outputs=["log.csv"])
    appender = run_record("append", 2, 3, inputs=["log.csv"], outputs=["log.csv"])
    lone = run_record("append_alone", 2, 3, inputs=["alone.csv"], outputs=["alone.csv"])
    ingest_spans(engine, [appender, first, lone])
    assert _deps(engine, appender) == {first.span_id}
    assert _deps(engine, lone) == set()
    assert all(consumer != producer for consumer, producer, _, _ in _edge_rows(engine))


def test_each_input_gets_its_own_edge_and_one_producer_can_serve_several(engine: Engine) -> None:
    both = run_record("etl", 0, 1, outputs=["a", "b"])
    other = run_record("labels", 0, 1, outputs=["c"])
    consumer = run_record("train", 2, 3, inputs=["a", "b", "c", "never-written"])
    ingest_spans(engine, [both, other, consumer])
    with engine.connect() as conn:
        edges = dependencies_of(conn, [consumer.span_id])[consumer.span_id]
    assert sorted((e.producer_id, e.via, e.kind) for e in edges) == sorted(
        [(both.span_id, "a", "io"), (both.span_id, "b", "io"), (other.span_id, "c", "io")]
    )


def test_a_late_newer_producer_re_points_the_edge(engine: Engine) -> None:
    old = run_record("etl", 0, 1, outputs=["x"])
    consumer = run_record("train", 10, 11, inputs=["x"])
    ingest_spans(engine, [old, consumer])
    assert _deps(engine, consumer) == {old.span_id}
    late_newer = run_record("etl", 5, 6, outputs=["x"])  # ran before the consumer, arrived after it
    ingest_spans(engine, [late_newer])
    assert _deps(engine, consumer) == {late_newer.span_id}
    late_older = run_record("etl", 2, 3, outputs=["x"])  # arrives even later, but is older: no change
    ingest_spans(engine, [late_older])
    assert _deps(engine, consumer) == {late_newer.span_id}
    assert len([e for e in _edge_rows(engine) if e[0] == consumer.span_id]) == 1


def test_a_late_producer_is_linked_to_every_waiting_consumer(engine: Engine) -> None:
    consumers = [run_record("score", 10 + i, 11 + i, inputs=["model.pkl"]) for i in range(5)]
    ingest_spans(engine, consumers)
    producer = run_record("train", 0, 1, outputs=["model.pkl"])
    ingest_spans(engine, [producer])
    for consumer in consumers:
        assert _deps(engine, consumer) == {producer.span_id}
    with engine.connect() as conn:
        dependents = dependents_of(conn, [producer.span_id])[producer.span_id]
    assert sorted(e.consumer_id for e in dependents) == sorted(c.span_id for c in consumers)


def test_trace_of_an_output_starts_at_its_latest_producer(engine: Engine) -> None:
    early = run_record("predict", 0, 1, outputs=["pred-1"])
    late = run_record("predict", 5, 6, outputs=["pred-1"])
    ingest_spans(engine, [late, early])
    with engine.connect() as conn:
        assert latest_producers(conn, ["pred-1", "unknown"]) == {"pred-1": late.span_id}
        assert lineage(conn, output="pred-1").roots == [late.span_id]


def _diamond(engine: Engine) -> dict[str, SpanRecord]:
    runs = {
        "ingest": run_record("ingest", 0, 1, outputs=["raw"]),
        "left": run_record("left", 2, 3, inputs=["raw"], outputs=["l"]),
        "right": run_record("right", 2, 3, inputs=["raw"], outputs=["r"]),
        "join": run_record("join", 4, 5, inputs=["l", "r"], outputs=["joined"]),
        "infer": run_record("infer", 6, 7, inputs=["joined"], outputs=["pred"]),
    }
    ingest_spans(engine, list(runs.values()))
    return runs


def test_a_diamond_appears_once_with_shortest_depths(engine: Engine) -> None:
    runs = _diamond(engine)
    with engine.connect() as conn:
        graph = lineage(conn, output="pred")
    ids = {name: r.span_id for name, r in runs.items()}
    assert set(graph.runs) == set(ids.values())
    assert graph.depths == {ids["infer"]: 0, ids["join"]: 1, ids["left"]: 2, ids["right"]: 2, ids["ingest"]: 3}
    pairs = [(e.consumer_id, e.producer_id) for e in graph.edges]
    assert len(pairs) == len(set(pairs)) == 5
    assert not graph.truncated


def test_downstream_lineage_follows_dependents(engine: Engine) -> None:
    runs = _diamond(engine)
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[runs["left"].span_id], direction=Direction.DOWNSTREAM)
    assert set(graph.runs) == {runs["left"].span_id, runs["join"].span_id, runs["infer"].span_id}
    assert graph.depths[runs["infer"].span_id] == 2


def test_max_depth_and_max_nodes_bound_the_graph(engine: Engine) -> None:
    runs = _diamond(engine)
    with engine.connect() as conn:
        shallow = lineage(conn, output="pred", max_depth=1)
        capped = lineage(conn, output="pred", max_nodes=2)
        zero = lineage(conn, output="pred", max_depth=0)
    assert set(shallow.runs) == {runs["infer"].span_id, runs["join"].span_id}
    assert [(e.consumer_id, e.producer_id) for e in shallow.edges] == [(runs["infer"].span_id, runs["join"].span_id)]
    assert len(capped.runs) == 2 and capped.truncated
    assert all(e.consumer_id in capped.runs and e.producer_id in capped.runs for e in capped.edges)
    assert list(zero.runs) == [runs["infer"].span_id] and zero.edges == []


def test_lineage_of_several_roots_is_one_graph(engine: Engine) -> None:
    runs = _diamond(engine)
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[runs["left"].span_id, runs["right"].span_id.upper()])
    assert set(graph.runs) == {runs["left"].span_id, runs["right"].span_id, runs["ingest"].span_id}
    assert graph.roots == [runs["left"].span_id, runs["right"].span_id]


def test_lineage_costs_a_fixed_number_of_statements(engine: Engine) -> None:
    _diamond(engine)
    with engine.connect() as conn, count_statements(engine) as counter:
        lineage(conn, output="pred")
    assert counter.count == 3  # the output's latest producer, the runs, the edges


def test_lineage_of_unknown_things_says_what_was_not_found(engine: Engine) -> None:
    _diamond(engine)
    with engine.connect() as conn:
        with pytest.raises(NotFound, match="no output 'nope'"):
            lineage(conn, output="nope")
        with pytest.raises(NotFound, match="no run 'ffffffffffffffff'"):
            lineage(conn, run_ids=["ffffffffffffffff"])
        with pytest.raises(InvalidArgument, match="not 16 hexadecimal"):
            lineage(conn, run_ids=["run-1"])
        with pytest.raises(InvalidArgument, match="needs a run id or an output"):
            lineage(conn)
        with pytest.raises(InvalidArgument, match="maxDepth"):
            lineage(conn, output="pred", max_depth=-1)
