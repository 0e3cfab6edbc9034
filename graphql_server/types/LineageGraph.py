"""A whole upstream or downstream graph, flat: every node once, every edge once; and the same graph as a tree."""

from __future__ import annotations

import asyncio
from typing import TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from graphql_server.context import Info
from graphql_server.lineage_view import SHAPE, graph_view
from graphql_server.prefetch import selected_names
from graphql_server.types.LineageEdge import LineageEdge
from graphql_server.types.LineageNode import LineageNode
from graphql_server.types.LineageTreeRow import LineageTreeRow
from graphql_server.types.MergedLineageEdge import MergedLineageEdge
from graphql_server.types.RunDrift import RunDrift
from graphql_server.types.StatusCode import StatusCode
from mltrace_otel.monitoring.run_drift import RunDrift as RunDriftRecord
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, Direction
from mltrace_otel.queries.lineage_tree import graph_tree, merge_edges
from mltrace_otel.queries.records import IOPointer, RunIO, StaleReason
from mltrace_otel.queries.records import LineageGraph as LineageGraphRecord

T = TypeVar("T")


async def _ready(value: T) -> T:
    return value


@strawberry.type(
    description="A lineage DAG in one answer: nodes (runs with depth), edges (producer -> consumer, one per "
    "pointer), mergedEdges (one per pair of runs) and tree (the graph as `trace` shows it)."
)
class LineageGraph:
    record: strawberry.Private[LineageGraphRecord]
    direction: strawberry.Private[Direction]
    max_depth: strawberry.Private[int] = DEFAULT_MAX_DEPTH
    # False when the query asked no edge field (edges, mergedEdges, tree): graphView then reads them itself.
    edges_read: strawberry.Private[bool] = True

    @classmethod
    def from_record(cls, record: LineageGraphRecord, direction: Direction = Direction.UPSTREAM) -> LineageGraph:
        return cls(record=record, direction=direction)

    @strawberry.field(description="Ids of the runs the walk started from.")
    def roots(self) -> list[strawberry.ID]:
        return [strawberry.ID(r) for r in self.record.roots]

    @strawberry.field(description="Every run of the graph, nearest first.")
    async def nodes(self, info: Info) -> list[LineageNode]:
        wanted = selected_names(info)
        ids = list(self.record.runs)
        loaders = info.context.loaders
        no_reasons: list[list[StaleReason]] = [[] for _ in ids]
        no_io: list[RunIO] = []
        # Both statements in the same tick: the loaders run them side by side.
        no_drift: list[list[RunDriftRecord]] = []
        reasons, ios, drifts = await asyncio.gather(
            loaders.run_stale_reasons.load_many(ids) if "staleReasons" in wanted else _ready(no_reasons),
            loaders.run_io.load_many(ids) if wanted & {"outputs", "flaggedOutputs"} else _ready(no_io),
            loaders.run_drift.load_many(ids) if "drift" in wanted else _ready(no_drift),
        )
        drift = dict(zip(ids, drifts, strict=True)) if drifts is not no_drift else {}
        stale = dict(zip(ids, reasons, strict=True)) if reasons is not no_reasons else {}
        outputs = {rid: io.outputs for rid, io in zip(ids, ios, strict=True)} if ios is not no_io else {}
        pointers: dict[str, IOPointer | None] = {}
        if "flaggedOutputs" in wanted:  # run_io primed these: no statement
            names = sorted({n for names in outputs.values() for n in names})
            pointers = dict(zip(names, await loaders.pointer_by_name.load_many(names), strict=True))
        nodes: list[LineageNode] = []
        for rid, run in self.record.runs.items():
            written = outputs.get(rid, [])
            nodes.append(
                LineageNode(
                    record=run,
                    depth=self.record.depths[rid],
                    id=strawberry.ID(rid),
                    component_name=run.component,
                    name=run.name,
                    start_time=run.start,
                    duration_ms=run.duration_ms,
                    status_code=StatusCode(run.status_code),
                    status_message=run.status_message,
                    stale_reasons=[r.reason for r in stale.get(rid, ())],
                    outputs=list(written),
                    flagged_outputs=[n for n in written if (p := pointers.get(n)) is not None and p.flagged],
                    drift=[RunDrift.from_record(d) for d in drift.get(rid, ())],
                )
            )
        return nodes

    @strawberry.field(
        description="The graph as the web UI's graph view draws it, one JSON value: " + SHAPE + ". The same values "
        "as `roots`, `nodes` and `mergedEdges` with those fields (dates ISO 8601, statusCode by name), built in one "
        "pass instead of resolved field by field: several times cheaper for a large graph. Typed clients ask the "
        "typed fields."
    )
    async def graph_view(self, info: Info) -> JSON:
        # JSON is a scalar wrapper to mypy; to Strawberry any JSON-encodable value.
        pending = None if self.edges_read else (self.direction, self.max_depth)
        return cast(JSON, await graph_view(info, self.record, pending))

    @strawberry.field(description="Every edge, one per pointer between two runs (a span link: `via` empty).")
    def edges(self) -> list[LineageEdge]:
        return [LineageEdge.from_record(e) for e in self.record.edges]

    @strawberry.field(description="Every pair of linked runs once, with all the pointers between them.")
    def merged_edges(self) -> list[MergedLineageEdge]:
        return [MergedLineageEdge.from_record(e) for e in merge_edges(self.record.edges)]

    @strawberry.field(
        description="The graph as a tree from its roots, depth first, neighbours oldest first: dependencies "
        "upstream, dependents downstream. Flat rows (any depth), each pointing at its parent row."
    )
    def tree(self) -> list[LineageTreeRow]:
        rows = graph_tree(self.record, upstream=self.direction is Direction.UPSTREAM)
        return [LineageTreeRow.from_record(r) for r in rows]
