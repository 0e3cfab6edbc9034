"""One run of a connection page, with its keyset cursor."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun


@strawberry.type
class ComponentRunEdge:
    cursor: str
    node: ComponentRun
