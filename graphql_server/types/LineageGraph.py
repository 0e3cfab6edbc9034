"""A whole upstream or downstream graph, flat: every node once, every edge once."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun
from graphql_server.types.LineageEdge import LineageEdge
from graphql_server.types.LineageNode import LineageNode
from mltrace_otel.queries.records import LineageGraph as LineageGraphRecord


@strawberry.type(description="A lineage DAG in one answer: nodes (runs with depth) and edges (producer -> consumer).")
class LineageGraph:
    record: strawberry.Private[LineageGraphRecord]

    @classmethod
    def from_record(cls, record: LineageGraphRecord) -> LineageGraph:
        return cls(record=record)

    @strawberry.field(description="Ids of the runs the walk started from.")
    def roots(self) -> list[strawberry.ID]:
        return [strawberry.ID(r) for r in self.record.roots]

    @strawberry.field(description="Every run of the graph, nearest first.")
    def nodes(self) -> list[LineageNode]:
        return [
            LineageNode(run=ComponentRun.from_record(run), depth=self.record.depths[rid])
            for rid, run in self.record.runs.items()
        ]

    @strawberry.field
    def edges(self) -> list[LineageEdge]:
        return [LineageEdge.from_record(e) for e in self.record.edges]
