"""Cycles (an output rewritten by its own consumer, links that loop, simultaneous runs) always terminate."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.queries.lineage import Direction, lineage, upstream_sets
from mltrace_otel.queries.linked_runs import dependencies_of
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import count_statements, run_record


def test_an_output_rewritten_by_its_own_consumer_traces_back_in_time(engine: Engine) -> None:
    # state.json is read and rewritten every day: the chain goes back through every day once.
    days = [
        run_record("update_state", 2 * d, 2 * d + 1, inputs=["state.json"], outputs=["state.json"]) for d in range(6)
    ]
    ingest_spans(engine, list(reversed(days)))
    with engine.connect() as conn:
        graph = lineage(conn, output="state.json")
    assert graph.roots == [days[-1].span_id]
    assert len(graph.runs) == 6
    assert [graph.depths[d.span_id] for d in reversed(days)] == list(range(6))


def test_simultaneous_zero_length_runs_that_feed_each_other_form_a_cycle_that_terminates(engine: Engine) -> None:
    # Both run at the same instant: each one's output "ended at or before" the other's start.
    a = run_record("a", 5, 5, inputs=["y"], outputs=["x"])
    b = run_record("b", 5, 5, inputs=["x"], outputs=["y"])
    ingest_spans(engine, [a, b])
    with engine.connect() as conn:
        assert {e.producer_id for e in dependencies_of(conn, [a.span_id])[a.span_id]} == {b.span_id}
        assert {e.producer_id for e in dependencies_of(conn, [b.span_id])[b.span_id]} == {a.span_id}
        with count_statements(engine) as counter:
            up = lineage(conn, run_ids=[a.span_id])
            down = lineage(conn, run_ids=[a.span_id], direction=Direction.DOWNSTREAM)
    assert set(up.runs) == set(down.runs) == {a.span_id, b.span_id}
    assert up.depths == {a.span_id: 0, b.span_id: 1}
    assert counter.count == 4
    assert sorted((e.consumer_id, e.producer_id) for e in up.edges) == sorted(
        [(a.span_id, b.span_id), (b.span_id, a.span_id)]
    )


def test_links_that_loop_terminate_and_list_each_run_once(engine: Engine) -> None:
    ids = [f"{0xA000 + i:016x}" for i in range(4)]
    ring = [run_record("ring", i, i + 1, span_id=ids[i], links=[ids[(i + 1) % 4]]) for i in range(4)]
    ingest_spans(engine, ring)
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[ids[0]])
        sets = upstream_sets(conn, ids)
    assert set(graph.runs) == set(ids)
    assert graph.depths == {ids[0]: 0, ids[1]: 1, ids[2]: 2, ids[3]: 3}
    assert len(graph.edges) == 4
    assert all(sets[i] == set(ids) for i in ids)


def test_a_deep_chain_is_walked_whole_and_the_depth_cap_holds(engine: Engine) -> None:
    chain = [run_record("step", i, i + 0.5, inputs=[f"p{i - 1}"] if i else [], outputs=[f"p{i}"]) for i in range(300)]
    ingest_spans(engine, chain)
    with engine.connect() as conn:
        whole = lineage(conn, output="p299")
        capped = lineage(conn, output="p299", max_depth=50)
    assert len(whole.runs) == 300 and whole.depths[chain[0].span_id] == 299
    assert len(capped.runs) == 51
