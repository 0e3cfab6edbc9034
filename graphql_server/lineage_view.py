"""A lineage graph as the web UI's graph view draws it, built as plain data in one pass (``LineageGraph.graphView``).

Why a JSON value beside the typed fields: resolving ``nodes { ... }`` and ``mergedEdges { ... }`` field by field is
graphql-core completing some 8,000 values for the 499-run DAG, each with its own resolver call and type check; that
was over half of the answer's time. Here the same values are built once as dicts and lists, which the response's
JSON encoder writes in C. Every value is the one the typed fields give (tests/graphql/test_lineage_view.py compares
them): dates in ISO 8601 as ``DateTime`` serialises them, status codes by enum name.

Node facts are read straight from the query layer, three statements side by side on the worker threads (with the
graph's edges when the query asked no edge field, so the walk left them out), not through the per-key DataLoaders:
a future per run and per loader cost more than the statements at this size.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from mltrace_otel.monitoring.run_drift import RunDrift, drifted_runs
from mltrace_otel.queries.lineage import Direction, outputs_with_flags, walked_edges
from mltrace_otel.queries.lineage_tree import merge_edges
from mltrace_otel.queries.records import Edge, LineageGraph, ns_to_datetime
from mltrace_otel.queries.staleness import stale_reasons

if TYPE_CHECKING:  # the context is the layer above; only its type is named here
    from graphql_server.context import Info

# The shape, for the field's description and the UI's type (ui/src/api/operations.ts, LineageView).
SHAPE = (
    "{roots: [ID], nodes: [{depth, id, componentName, name, startTime, durationMs, statusCode, statusMessage, "
    "staleReasons, outputs, flaggedOutputs, drift: [{task, outputs, window: {start, end, score, method, "
    "threshold}}]}], mergedEdges: [{from, to, via}]}"
)


def _drift(found: list[RunDrift]) -> list[dict[str, Any]]:
    return [
        {
            "task": d.task,
            "outputs": d.outputs,
            "window": {
                "start": ns_to_datetime(d.window.start_ns).isoformat(),
                "end": ns_to_datetime(d.window.end_ns).isoformat(),
                "score": None if d.window.score is None else float(d.window.score),
                "method": d.window.method,
                "threshold": float(d.window.threshold),
            },
        }
        for d in found
    ]


async def _ready(value: list[Edge]) -> list[Edge]:
    return value


async def graph_view(
    info: Info, graph: LineageGraph, edges_pending: tuple[Direction, int] | None = None
) -> dict[str, Any]:
    """``graph`` with what the graph view shows of each node, in the typed fields' names and values.
    ``edges_pending`` (direction, depth cap): the walk left the edges out; they are read beside the node facts."""
    db = info.context.db
    ids = list(graph.runs)
    edges_read = db.read(walked_edges, graph, *edges_pending) if edges_pending is not None else _ready(graph.edges)
    stale, outputs, drift, walked = await asyncio.gather(
        db.read(stale_reasons, ids), db.read(outputs_with_flags, ids), db.read(drifted_runs, ids), edges_read
    )
    nodes: list[dict[str, Any]] = []
    for rid, run in graph.runs.items():
        written = outputs[rid]
        nodes.append(
            {
                "depth": graph.depths[rid],
                "id": rid,
                "componentName": run.component,
                "name": run.name,
                "startTime": run.start.isoformat(),
                "durationMs": float(run.duration_ms),
                "statusCode": run.status_code,
                "statusMessage": run.status_message,
                "staleReasons": [r.reason for r in stale[rid]],
                "outputs": [name for name, _ in written],
                "flaggedOutputs": [name for name, flagged in written if flagged],
                "drift": _drift(drift[rid]) if drift[rid] else [],
            }
        )
    edges = [{"from": e.producer_id, "to": e.consumer_id, "via": list(e.vias)} for e in merge_edges(walked)]
    return {"roots": list(graph.roots), "nodes": nodes, "mergedEdges": edges}
