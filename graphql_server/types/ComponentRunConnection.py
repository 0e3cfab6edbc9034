"""A page of runs, newest first, as a Relay connection over a keyset cursor (never OFFSET)."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun
from graphql_server.types.ComponentRunEdge import ComponentRunEdge
from graphql_server.types.PageInfo import PageInfo
from mltrace_otel.queries.cursors import encode_cursor
from mltrace_otel.queries.records import Page


@strawberry.type(description="A page of runs, newest first. Page on with `after: pageInfo.endCursor`.")
class ComponentRunConnection:
    edges: list[ComponentRunEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page, after: str | None) -> ComponentRunConnection:
        edges = [
            ComponentRunEdge(cursor=encode_cursor(run.start_ns, run.id), node=ComponentRun.from_record(run))
            for run in page.items
        ]
        info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=page.end_cursor,
        )
        return cls(edges=edges, page_info=info)

    @strawberry.field(description="The runs of this page without their cursors (a shortcut for edges.node).")
    def nodes(self) -> list[ComponentRun]:
        return [edge.node for edge in self.edges]
