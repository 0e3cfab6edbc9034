"""A run in a lineage graph and its distance from the roots."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun


@strawberry.type(description="A run of the graph and its shortest distance (in edges) from a root.")
class LineageNode:
    run: ComponentRun
    depth: int
