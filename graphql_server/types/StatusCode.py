"""The OTel span status code of a run."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="OTel span status: ERROR when the run failed, OK or UNSET otherwise.")
class StatusCode(Enum):
    UNSET = "UNSET"
    OK = "OK"
    ERROR = "ERROR"
