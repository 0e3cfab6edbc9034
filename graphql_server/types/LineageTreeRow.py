"""One row of a lineage graph read as a tree (queries/lineage_tree.py builds it)."""

from __future__ import annotations

import strawberry

from mltrace_otel.queries.lineage_tree import TreeRow


@strawberry.type(
    description="A row of the tree, depth first: a run under the row `parent` points at. A run shared by several "
    "consumers is expanded once; later rows of it are `shared` and have no rows under them (cycles end too)."
)
class LineageTreeRow:
    run_id: strawberry.ID
    depth: int
    parent: int | None = strawberry.field(description="Index in `tree` of the row this one hangs under; null: a root.")
    via: list[str] = strawberry.field(description="The pointers between this run and its parent's run.")
    shared: bool = strawberry.field(description="Expanded at an earlier row: shown, not expanded again.")

    @classmethod
    def from_record(cls, row: TreeRow) -> LineageTreeRow:
        return cls(
            run_id=strawberry.ID(row.run_id), depth=row.depth, parent=row.parent, via=list(row.via), shared=row.repeated
        )
