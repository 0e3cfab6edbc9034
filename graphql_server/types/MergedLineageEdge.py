"""Every lineage edge between two runs as one (queries/lineage_tree.py merges them)."""

from __future__ import annotations

import strawberry

from mltrace_otel.queries.lineage_tree import MergedEdge


@strawberry.type(description="Run `to` depends on run `from`, through every pointer in `via` (none: a span link).")
class MergedLineageEdge:
    # Plain fields (not resolvers): a whole-DAG answer has thousands of edges.
    from_: strawberry.ID = strawberry.field(name="from", description="The producer run's id.")
    to: strawberry.ID = strawberry.field(description="The consumer run's id.")
    via: list[str] = strawberry.field(description="The IO pointers between the two runs, first seen first.")
    kind: str = strawberry.field(description='"io" when a pointer joins them, "link" when only a span link does.')

    @classmethod
    def from_record(cls, edge: MergedEdge) -> MergedLineageEdge:
        return cls(
            from_=strawberry.ID(edge.producer_id),
            to=strawberry.ID(edge.consumer_id),
            via=list(edge.vias),
            kind=edge.kind,
        )
