"""A run in a lineage graph: its distance from the roots, and the facts a graph view draws, as plain values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_server.types.ComponentRun import ComponentRun
from graphql_server.types.RunDrift import RunDrift
from graphql_server.types.StatusCode import StatusCode
from mltrace_otel.queries.records import Run


@strawberry.type(
    description="A run of the graph and its shortest distance (in edges) from a root. The fields beside `run` are "
    "what a graph view draws per node, as plain values: one object per node instead of a run, its status, "
    "stale reasons and outputs each an object of their own (a 1,000-run graph answers several times faster)."
)
class LineageNode:
    record: strawberry.Private[Run]
    depth: int
    id: strawberry.ID = strawberry.field(description="The run's span id.")
    component_name: str | None = strawberry.field(description="The run's component (null for a plain span).")
    name: str = strawberry.field(description="The span name.")
    start_time: datetime
    duration_ms: float
    status_code: StatusCode
    status_message: str | None = strawberry.field(description="The message a failed run carried.")
    stale_reasons: list[str] = strawberry.field(description="Why the run is stale, sentences; empty when fresh.")
    outputs: list[str] = strawberry.field(description="Names of the IO pointers the run wrote.")
    flagged_outputs: list[str] = strawberry.field(description="Those of its outputs users flagged as wrong.")
    drift: list[RunDrift] = strawberry.field(
        description="Drifted windows of monitored tasks that outputs this run logged fall in (as ComponentRun.drift)."
    )

    @strawberry.field(description="The run itself, every field (each node costs more than the plain fields).")
    def run(self) -> ComponentRun:
        return ComponentRun.from_record(self.record)
