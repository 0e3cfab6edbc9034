"""Which way a lineage walk goes."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="UPSTREAM follows dependencies (what produced this); DOWNSTREAM follows dependents.")
class LineageDirection(Enum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
