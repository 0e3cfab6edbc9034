"""A lineage edge: data flows from the producer run to the consumer run."""

from __future__ import annotations

import strawberry

from mltrace_otel.queries.records import Edge


@strawberry.type(description="Run `to` depends on run `from`: data flowed from -> to, via an IO pointer or link.")
class LineageEdge:
    # Plain fields (not resolvers): a whole-DAG answer has thousands of edges.
    from_: strawberry.ID = strawberry.field(name="from", description="The producer run's id.")
    to: strawberry.ID = strawberry.field(description="The consumer run's id.")
    via: str = strawberry.field(
        description="The IO pointer the consumer read from the producer; empty for a span link."
    )
    kind: str = strawberry.field(description='"io" or "link".')

    @classmethod
    def from_record(cls, edge: Edge) -> LineageEdge:
        return cls(
            from_=strawberry.ID(edge.producer_id), to=strawberry.ID(edge.consumer_id), via=edge.via, kind=edge.kind
        )
