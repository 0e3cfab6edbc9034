"""Why a run is stale: which dependency, and a sentence a human can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_server.context import Info
from graphql_server.types.StaleKind import StaleKind
from mltrace_otel.queries.records import StaleReason as StaleReasonRecord

if TYPE_CHECKING:
    from graphql_server.types.ComponentRun import ComponentRun

ComponentRunRef = Annotated["ComponentRun", strawberry.lazy("graphql_server.types.ComponentRun")]


@strawberry.type(description="One reason a run is stale: a rewritten, superseded or too-old dependency.")
class StaleReason:
    record: strawberry.Private[StaleReasonRecord]
    reason: str = strawberry.field(description="A sentence saying what is stale and why.")
    kind: StaleKind = strawberry.field(description="The rule behind the reason.")

    @classmethod
    def from_record(cls, record: StaleReasonRecord) -> StaleReason:
        return cls(record=record, reason=record.reason, kind=StaleKind(record.kind))

    @strawberry.field
    def dependency_id(self) -> strawberry.ID:
        return strawberry.ID(self.record.dependency_id)

    @strawberry.field(description="The dependency that is stale.")
    async def dependency(self, info: Info) -> ComponentRunRef | None:
        return await _run(info, self.record.dependency_id)

    @strawberry.field(description="The newer run of the dependency's component behind a REWRITTEN or NEWER_RUN reason.")
    def newer_run_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.record.newer_run_id) if self.record.newer_run_id else None

    @strawberry.field
    async def newer_run(self, info: Info) -> ComponentRunRef | None:
        return await _run(info, self.record.newer_run_id) if self.record.newer_run_id else None


async def _run(info: Info, run_id: str) -> ComponentRun | None:
    from graphql_server.types.ComponentRun import ComponentRun

    run = await info.context.loaders.run_by_id.load(run_id)
    return ComponentRun.from_record(run) if run else None
