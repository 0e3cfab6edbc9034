"""A failed run that meant to rewrite some of a run's outputs: failed runs do not produce, but they are shown."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_server.context import Info
from mltrace_otel.queries.failed_attempts import FailedAttempt as FailedAttemptRecord
from mltrace_otel.queries.records import ns_to_datetime

if TYPE_CHECKING:
    from graphql_server.types.ComponentRun import ComponentRun

ComponentRunRef = Annotated["ComponentRun", strawberry.lazy("graphql_server.types.ComponentRun")]


@strawberry.type(
    description="A newer attempt at a run's outputs that failed: the run stays their producer, this one is shown."
)
class FailedAttempt:
    record: strawberry.Private[FailedAttemptRecord]
    run_id: strawberry.ID = strawberry.field(description="The failed run's id.")
    component: str
    pointers: list[str] = strawberry.field(description="The outputs it was to rewrite.")
    end_time: datetime
    reason: str = strawberry.field(description="A sentence saying what failed.")

    @classmethod
    def from_record(cls, record: FailedAttemptRecord) -> FailedAttempt:
        return cls(
            record=record,
            run_id=strawberry.ID(record.run_id),
            component=record.component,
            pointers=list(record.pointers),
            end_time=ns_to_datetime(record.end_ns),
            reason=record.reason,
        )

    @strawberry.field(description="The failed run.")
    async def run(self, info: Info) -> ComponentRunRef | None:
        from graphql_server.types.ComponentRun import ComponentRun

        found = await info.context.loaders.run_by_id.load(self.record.run_id)
        return ComponentRun.from_record(found) if found else None
