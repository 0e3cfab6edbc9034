"""No N+1: statements are counted on wide, deep DAGs. A nested trace costs one statement per nesting level
whatever the width; lineage costs a constant number at any depth; list fields are batched per level."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from mltrace_otel.store.engine import get_engine
from tests.graphql.client import GraphQL
from tests.graphql.dags import layered_dag
from tests.helpers import count_statements

DEPTH = 7
RICH = "id name component { name tags } inputs { name flagged } outputs { name kind } stale { reason } codeSnapshot"


def _statements(engine: Engine, api: GraphQL, query: str) -> int:
    with count_statements(engine) as counter:
        api.data(query)
    return counter.count


def _trace(levels: int, fields: str = "id") -> str:
    return '{ trace(output: "sink/final") { ' + (f"{fields} dependencies {{ " * levels) + fields + " }" * (levels + 2)


def test_nested_trace_costs_one_statement_per_level_whatever_the_width(api: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=40, depth=DEPTH)
    wide = _statements(engine, api, _trace(DEPTH))
    # latest producer of the output + the sink run + one statement per dependencies level.
    assert wide == 2 + DEPTH
    data = api.data(_trace(DEPTH))
    level = [data["trace"]]
    widths = []
    for _ in range(DEPTH):
        level = [d for run in level for d in run["dependencies"]]
        widths.append(len({r["id"] for r in level}))
    assert widths[-1] == 40  # really wide: the bottom levels hold all 40 runs


def test_rich_nested_trace_is_the_same_number_of_statements_narrow_or_wide(api: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=2, depth=DEPTH)
    narrow = _statements(engine, api, _trace(DEPTH, RICH))
    # Same shape, 20 times wider, in a fresh trace of the same store: the count must not move.
    wide_output = _wide_copy(engine)
    wide = _statements(engine, api, _trace(DEPTH, RICH).replace("sink/final", wide_output))
    assert wide == narrow, (narrow, wide)
    # Per level: dependencies, component (metadata + tags), run_io with its pointers, stale; plus producer and root.
    assert narrow <= 2 + (DEPTH + 1) * 5, narrow


def _wide_copy(engine: Engine) -> str:
    from mltrace_otel.store.ingest import ingest_spans
    from tests.helpers import run_record

    records = []
    previous: list[str] = []
    for layer in range(DEPTH):
        outputs = [f"wide{layer}/part{i}" for i in range(40)]
        for i, out in enumerate(outputs):
            inputs = [previous[(i + k) % len(previous)] for k in range(2)] if previous else []
            records.append(run_record(f"step{layer}", 100 + 10 * layer, 101 + 10 * layer, inputs=inputs, outputs=[out]))
        previous = outputs
    records.append(run_record("sink", 100 + 10 * DEPTH, 101 + 10 * DEPTH, inputs=previous, outputs=["wide/final"]))
    ingest_spans(engine, records)
    return "wide/final"


@pytest.mark.parametrize("depth", [2, 12])
def test_lineage_is_a_constant_number_of_statements_at_any_depth(api: GraphQL, engine: Engine, depth: int) -> None:
    layered_dag(engine, width=10, depth=depth)
    query = '{ lineage(output: "sink/final") { nodes { depth run { id } } edges { from to via } } }'
    # latest producer, the runs of the walk, the edges among them.
    assert _statements(engine, api, query) == 3
    graph = api.data(query)["lineage"]
    assert len(graph["nodes"]) == 10 * depth + 1
    assert max(n["depth"] for n in graph["nodes"]) == depth


def test_the_ui_lineage_query_is_a_constant_number_of_statements(api: GraphQL, engine: Engine) -> None:
    # What the UI's graph view asks (ui/src/api/operations.ts, Lineage): the node facts, merged edges and tree.
    query = (
        '{ lineage(output: "sink/final", maxDepth: %d) { roots nodes { depth id componentName name startTime '
        "durationMs statusCode statusMessage staleReasons outputs flaggedOutputs } mergedEdges { from to via kind } "
        "tree { runId parent } } }"
    )
    layered_dag(engine, width=10, depth=12)
    near = _statements(engine, api, query % 2)
    whole = _statements(engine, api, query % 12)
    # the graph's 3, then stale reasons and run IO (with its pointers) side by side: never per node.
    assert near == whole <= 3 + 4, (near, whole)


def test_lineage_node_fields_are_batched(api: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=30, depth=6)
    query = (
        '{ lineage(output: "sink/final") { nodes { run { id component { name } inputs { name } '
        "outputs { name producers { id } } dependents { id } } } } }"
    )
    # 3 for the graph + component (2) + run_io + pointers + producers + dependents: never per node.
    assert _statements(engine, api, query) <= 3 + 6


def test_pages_cost_the_same_whatever_their_size(api: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=25, depth=4)
    query = (
        "{ recentRuns(first: %d) { nodes { id component { name } inputs { name flagged } stale { reason } "
        "dependencies { id } } } }"
    )
    small = _statements(engine, api, query % 2)
    large = _statements(engine, api, query % 100)
    assert small == large


def test_engine_fixture_is_the_app_engine(engine: Engine, db_url: str) -> None:
    # The counts above are only meaningful if the app reads through the counted engine.
    assert get_engine(db_url) is engine
