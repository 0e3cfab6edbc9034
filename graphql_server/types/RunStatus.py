"""A run's OTel status: code and the message a failed run carried."""

from __future__ import annotations

import strawberry

from graphql_server.types.RunOutcome import RunOutcome
from graphql_server.types.StatusCode import StatusCode
from mltrace_otel.status_words import outcome as outcome_of


@strawberry.type(description="The run's OTel span status, and how the run ended in words.")
class RunStatus:
    code: StatusCode
    message: str | None

    @strawberry.field(description="succeeded or failed: the word the CLI and the UI show for this status.")
    def outcome(self) -> RunOutcome:
        return RunOutcome(outcome_of(self.code.value))
