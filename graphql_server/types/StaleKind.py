"""Which staleness rule a reason comes from (docs/design.md §2)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="The staleness rule behind a reason.")
class StaleKind(Enum):
    REWRITTEN = strawberry.enum_value(
        "rewritten", description="A later run of the dependency's component wrote a pointer this run read again."
    )
    NEWER_RUN = strawberry.enum_value(
        "newer_run",
        description="A successful run of the dependency's component started after it ended and before this run "
        "started, and this run did not use it.",
    )
    TOO_OLD = strawberry.enum_value(
        "too_old", description="The dependency started longer than the staleness threshold before this run started."
    )
