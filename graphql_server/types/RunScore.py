"""A run's suspiciousness in a review of flagged outputs."""

from __future__ import annotations

import strawberry

from graphql_server.types.ComponentRun import ComponentRun
from mltrace_otel.queries.review import RunScore as RunScoreRecord


@strawberry.type(description="How suspicious a run is: in how many flagged vs unflagged traces it appears.")
class RunScore:
    record: strawberry.Private[RunScoreRecord]

    @strawberry.field
    def run(self) -> ComponentRun:
        return ComponentRun.from_record(self.record.run)

    @strawberry.field(description="Flagged outputs whose trace contains this run.")
    def failed(self) -> int:
        return self.record.failed

    @strawberry.field(description="Unflagged outputs whose trace contains this run.")
    def passed(self) -> int:
        return self.record.passed

    @strawberry.field(description="failed / all flagged outputs: mltrace's count, normalised.")
    def coverage(self) -> float:
        return self.record.coverage

    @strawberry.field(description="Ochiai suspiciousness, 0..1: failed / sqrt(totalFailed * (failed + passed)).")
    def ochiai(self) -> float:
        return self.record.ochiai

    @strawberry.field(description="How the score was computed, in words.")
    def explanation(self) -> str:
        return self.record.explanation
