"""The order of a review's suspects (queries/scoring.py's Ranking, exposed as it is)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description="OCHIAI: suspiciousness (flagged traces a run is in, discounted by unflagged ones); "
    "COVERAGE: mltrace's order, in how many flagged traces a run appears."
)
class ReviewRanking(Enum):
    OCHIAI = "ochiai"
    COVERAGE = "coverage"
