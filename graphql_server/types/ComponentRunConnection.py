"""A page of runs, newest first: Strawberry's Relay connection over our keyset cursor (never OFFSET)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from graphql_server.types.ComponentRun import ComponentRun
from mltrace_otel.queries.cursors import encode_cursor
from mltrace_otel.queries.records import Page


# relay.Connection's type variable is bound to relay.Node, whose global `id` would replace our span ids; the
# connection itself needs nothing of Node, so ComponentRun keeps its id.
@strawberry.type(description="A page of runs, newest first. Page on with `after: pageInfo.endCursor`.")
class ComponentRunConnection(relay.Connection[ComponentRun]):  # type: ignore[type-var]
    @classmethod
    def from_page(cls, page: Page) -> ComponentRunConnection:
        """Cursors stay our opaque keyset positions (start time, span id), not relay's offsets. Paging is forward
        only (first/after), so ``hasPreviousPage`` is false: the Relay spec gives it a meaning for last/before
        paging and lets first/after paging answer false."""
        edges = [
            relay.Edge(cursor=encode_cursor(run.start_ns, run.id), node=ComponentRun.from_record(run))  # type: ignore[type-var]
            for run in page.items
        ]
        info = relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=page.end_cursor,
        )
        return cls(edges=edges, page_info=info)

    @strawberry.field(description="The runs of this page without their cursors (a shortcut for edges.node).")
    def nodes(self) -> list[ComponentRun]:
        return [edge.node for edge in self.edges]
