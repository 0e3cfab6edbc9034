"""A reviewed flagged output and the run that last produced it."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A flagged output and the run whose trace the review followed for it.")
class FlaggedProducer:
    output: str
    run_id: str = strawberry.field(description="The latest run that produced the output (its producer).")
