"""A component's suspiciousness in a review: its runs' traces rolled up."""

from __future__ import annotations

import strawberry

from graphql_server.context import Info
from graphql_server.types.Component import Component
from mltrace_otel.queries.review import ComponentScore as ComponentScoreRecord


@strawberry.type(description="Review roll-up per component: an output counts when any run of it is in the trace.")
class ComponentScore:
    record: strawberry.Private[ComponentScoreRecord]

    @strawberry.field(description="The component name (the span name for runs without one).")
    def name(self) -> str:
        return self.record.component

    @strawberry.field
    async def component(self, info: Info) -> Component | None:
        found = await info.context.loaders.component_by_name.load(self.record.component)
        return Component.from_record(found) if found else None

    @strawberry.field
    def failed(self) -> int:
        return self.record.failed

    @strawberry.field
    def passed(self) -> int:
        return self.record.passed

    @strawberry.field(description="Distinct runs of this component in flagged traces.")
    def runs(self) -> int:
        return self.record.runs

    @strawberry.field
    def coverage(self) -> float:
        return self.record.coverage

    @strawberry.field
    def ochiai(self) -> float:
        return self.record.ochiai

    @strawberry.field
    def explanation(self) -> str:
        return self.record.explanation
