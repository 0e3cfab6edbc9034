"""How a run ended, in the words every view uses (mltrace_otel.status_words)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description="How the run ended: FAILED when its OTel span status is ERROR, SUCCEEDED otherwise (OK or UNSET)."
)
class RunOutcome(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
