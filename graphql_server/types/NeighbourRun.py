"""A run next to another in lineage, once, with every pointer between them (queries/lineage_tree.py merges)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from mltrace_otel.queries.lineage_tree import MergedEdge
from mltrace_otel.queries.records import Run

if TYPE_CHECKING:
    from graphql_server.types.ComponentRun import ComponentRun

ComponentRunRef = Annotated["ComponentRun", strawberry.lazy("graphql_server.types.ComponentRun")]


@strawberry.type(description="A run at the other end of one or more lineage edges, and every pointer between.")
class NeighbourRun:
    edge: strawberry.Private[MergedEdge]
    other: strawberry.Private[Run]

    @strawberry.field(description="The IO pointers between the two runs, first seen first; empty for a span link.")
    def via(self) -> list[str]:
        return list(self.edge.vias)

    @strawberry.field(description='"io" when a pointer joins the two runs, "link" when only a span link does.')
    def kind(self) -> str:
        return self.edge.kind

    @strawberry.field
    def run(self) -> ComponentRunRef:
        from graphql_server.types.ComponentRun import ComponentRun

        return ComponentRun.from_record(self.other)
