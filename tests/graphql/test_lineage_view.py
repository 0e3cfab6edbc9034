"""LineageGraph.graphView, the UI graph view's lineage in one JSON value, holds exactly what the typed fields answer
(roots, nodes with every plain fact, merged edges), in the same order, for any graph and direction; and costs a
constant number of statements."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.graphql.client import GraphQL
from tests.graphql.dags import layered_dag
from tests.helpers import count_statements, run_record
from tests.monitoring.planting import plant_drifted_runs

DAY = 86_400
# Every field of LineageNode the UI's graph view draws (ui/src/api/operations.ts, GraphRun).
TYPED = (
    "roots nodes { depth id componentName name startTime durationMs statusCode statusMessage staleReasons outputs "
    "flaggedOutputs drift { task outputs window { start end score method threshold } } } mergedEdges { from to via }"
)


def _both(api: GraphQL, arguments: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = api.data(f"{{ typed: lineage({arguments}) {{ {TYPED} }} view: lineage({arguments}) {{ graphView }} }}")
    return data["typed"], data["view"]["graphView"]


def _rich_store(engine: Engine) -> dict[str, str]:
    """Stale runs (too old, newer run), a failed run with a message, a span link, two pointers between one pair,
    a shared ancestor."""
    old = run_record("ingest", 0, 1, outputs=["raw.csv", "raw-2.csv"])
    newer = run_record("ingest", 2 * DAY, 2 * DAY + 1, outputs=["elsewhere.csv"])
    clean = run_record("clean", 40 * DAY, 40 * DAY + 1, inputs=["raw.csv", "raw-2.csv"], outputs=["clean.csv"])
    side = run_record("side", 40 * DAY + 2, 40 * DAY + 3, inputs=["raw.csv"], outputs=["side.csv"])
    train = dataclasses.replace(
        run_record(
            "train", 41 * DAY, 41 * DAY + 1, inputs=["clean.csv", "side.csv"], outputs=["model.pkl", "metrics.json"],
            links=[old.span_id], status="ERROR",
        ),
        status_message="out of memory",
    )  # fmt: skip
    ingest_spans(engine, [old, newer, clean, side, train])
    return {"old": old.span_id, "clean": clean.span_id, "train": train.span_id}


def test_graph_view_equals_the_typed_fields(api: GraphQL, engine: Engine) -> None:
    ids = _rich_store(engine)
    api.data('mutation { flagOutput(name: "metrics.json") { name } }')
    for arguments in (
        'output: "model.pkl"',
        'output: "model.pkl", maxDepth: 1',
        f'runId: "{ids["old"]}", direction: DOWNSTREAM',
        f'runId: "{ids["clean"]}", direction: DOWNSTREAM, maxDepth: 0',
    ):
        typed, view = _both(api, arguments)
        assert view == typed, arguments
    typed, _ = _both(api, 'output: "model.pkl"')
    # With an edge field asked too, the walk reads the edges and graphView uses them: the same answer.
    together = api.data('{ lineage(output: "model.pkl") { graphView mergedEdges { from } } }')["lineage"]
    assert together["graphView"] == typed
    # The store really holds every kind of fact the view carries.
    train = next(n for n in typed["nodes"] if n["id"] == ids["train"])
    assert train["statusCode"] == "ERROR" and train["statusMessage"] == "out of memory"
    assert train["flaggedOutputs"] == ["metrics.json"]
    assert any(n["staleReasons"] for n in typed["nodes"])
    assert {"from": ids["old"], "to": ids["train"], "via": []} in typed["mergedEdges"]  # the span link
    assert any(len(e["via"]) == 2 for e in typed["mergedEdges"])


def test_graph_view_carries_drift_as_the_typed_field_does(api: GraphQL, engine: Engine) -> None:
    scorers, _ = plant_drifted_runs(engine)
    typed, view = _both(api, 'output: "scores-h2.csv"')
    assert view == typed
    assert [n["id"] for n in view["nodes"] if n["drift"]] == [scorers[-1]]


@pytest.mark.parametrize("depth", [2, 12])
def test_graph_view_is_a_constant_number_of_statements(api: GraphQL, engine: Engine, depth: int) -> None:
    layered_dag(engine, width=10, depth=depth)
    with count_statements(engine) as counter:
        view = api.data('{ lineage(output: "sink/final") { graphView } }')["lineage"]["graphView"]
    # The producer and the walk, then the edges, stale reasons, outputs with their flags and drift side by side:
    # never per node.
    assert counter.count == 3 + 3, counter.count
    assert len(view["nodes"]) == 10 * depth + 1


def test_runs_read_without_their_json_columns_never_reach_other_fields(api: GraphQL, engine: Engine) -> None:
    # Without `nodes { run }` the lineage reads an outline of its runs (no attributes); a run asked elsewhere in the
    # same request, or through `nodes { run }`, still has every column.
    ids = _rich_store(engine)
    data = api.data(
        f'{{ lineage(output: "model.pkl") {{ graphView nodes {{ id }} }} run(id: "{ids["train"]}") {{ attributes }} '
        'whole: lineage(output: "model.pkl") { nodes { id run { attributes } } } }'
    )
    assert data["run"]["attributes"]["mltrace.component"] == "train"
    whole = {n["id"]: n["run"]["attributes"] for n in data["whole"]["nodes"]}
    assert whole[ids["train"]]["mltrace.inputs"] == ["clean.csv", "side.csv"]
    # Asked through a fragment, the run is whole too.
    spread = api.data(
        '{ lineage(output: "model.pkl") { ...Drawn } } '
        "fragment Drawn on LineageGraph { nodes { id run { attributes } } }"
    )["lineage"]["nodes"]
    assert {n["id"]: n["run"]["attributes"] for n in spread} == whole
