"""Every span of one OTel trace, flat, oldest first, with parent ids (the UI builds the tree)."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun


@strawberry.type(description="All spans of one OTel trace, component runs and plain spans alike, oldest first.")
class OtelTrace:
    trace_id: str
    spans: list[ComponentRun]
