"""The review of flagged outputs: suspects ranked by Ochiai, with explanations, per run and per component."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentScore import ComponentScore
from graphql_server.types.FlaggedProducer import FlaggedProducer
from graphql_server.types.IOPointer import IOPointer
from graphql_server.types.ReviewRanking import ReviewRanking
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

    @strawberry.field(description="The order runs and components are listed in.")
    def ranking(self) -> ReviewRanking:
        return ReviewRanking(self.record.ranking.value)

    @strawberry.field(description="Each flagged output that has a producer, with that run: the traces reviewed.")
    def producers(self) -> list[FlaggedProducer]:
        return [FlaggedProducer(output=o, run_id=r) for o, r in self.record.producers.items()]

    @strawberry.field(
        description="True when the flagged outputs' components had more unflagged outputs than the review compares "
        "against (the most recent ones were used)."
    )
    def passing_capped(self) -> bool:
        return self.record.passing_capped
