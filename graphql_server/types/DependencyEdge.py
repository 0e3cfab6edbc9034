"""One lineage edge seen from a run: the run at the other end and what links them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from mltrace_otel.queries.records import Edge, Run

if TYPE_CHECKING:
    from graphql_server.types.ComponentRun import ComponentRun

ComponentRunRef = Annotated["ComponentRun", strawberry.lazy("graphql_server.types.ComponentRun")]


@strawberry.type(description="A run at the other end of a lineage edge, and the pointer (or span link) between.")
class DependencyEdge:
    edge: strawberry.Private[Edge]
    other: strawberry.Private[Run]

    @classmethod
    def from_pair(cls, edge: Edge, run: Run) -> DependencyEdge:
        return cls(edge=edge, other=run)

    @strawberry.field(description="The IO pointer that links the two runs; empty for a span link.")
    def via(self) -> str:
        return self.edge.via

    @strawberry.field(description='"io" (a shared IO pointer) or "link" (an OTel span link).')
    def kind(self) -> str:
        return self.edge.kind

    @strawberry.field
    def run(self) -> ComponentRunRef:
        from graphql_server.types.ComponentRun import ComponentRun

        return ComponentRun.from_record(self.other)
