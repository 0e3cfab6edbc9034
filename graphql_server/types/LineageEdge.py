"""A lineage edge: data flows from the producer run to the consumer run."""

from __future__ import annotations

import strawberry

from mltrace_otel.queries.records import Edge


@strawberry.type(description="Run `to` depends on run `from`: data flowed from -> to, via an IO pointer or link.")
class LineageEdge:
    edge: strawberry.Private[Edge]

    @classmethod
    def from_record(cls, edge: Edge) -> LineageEdge:
        return cls(edge=edge)

    @strawberry.field(name="from", description="The producer run's id.")
    def from_(self) -> strawberry.ID:
        return strawberry.ID(self.edge.producer_id)

    @strawberry.field(description="The consumer run's id.")
    def to(self) -> strawberry.ID:
        return strawberry.ID(self.edge.consumer_id)

    @strawberry.field(description="The IO pointer the consumer read from the producer; empty for a span link.")
    def via(self) -> str:
        return self.edge.via

    @strawberry.field(description='"io" or "link".')
    def kind(self) -> str:
        return self.edge.kind
