"""The review of flagged outputs: suspects ranked by Ochiai, with explanations, per run and per component."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentScore import ComponentScore
from graphql_server.types.IOPointer import IOPointer
from graphql_server.types.RunScore import RunScore
from mltrace_otel.queries.review import Review as ReviewRecord


@strawberry.type(description="Which runs the flagged outputs share, ranked by suspiciousness (Ochiai), explained.")
class Review:
    record: strawberry.Private[ReviewRecord]

    @strawberry.field(description="The flagged outputs reviewed.")
    def flagged(self) -> list[IOPointer]:
        return [IOPointer.from_record(p) for p in self.record.flagged]

    @strawberry.field(description="Flagged outputs no stored run produced (reported, not fatal).")
    def unproduced(self) -> list[str]:
        return list(self.record.unproduced)

    @strawberry.field
    def total_failed(self) -> int:
        return self.record.total_failed

    @strawberry.field(description="Unflagged outputs of the same components used for comparison.")
    def total_passed(self) -> int:
        return self.record.total_passed

    @strawberry.field(description="Runs in flagged traces, most suspicious first.")
    def runs(self) -> list[RunScore]:
        return [RunScore(record=s) for s in self.record.runs]

    @strawberry.field(description="Components, most suspicious first.")
    def components(self) -> list[ComponentScore]:
        return [ComponentScore(record=s) for s in self.record.components]
