"""The one vocabulary for how a run ended, the same in the CLI, its JSON, GraphQL and the UI.

OTel's span status has three codes; users read two outcomes. A run *failed* when its span status is ERROR; it
*succeeded* otherwise — OK, or UNSET, which is what a span that ended without an error carries unless its code set
OK explicitly (the OTel SDK leaves UNSET by default, and so do our decorator and context manager). Lineage already
treats both the same way: the producer of an output is its latest run that did not fail. The OTel code itself stays
visible where OTel is the subject (GraphQL ``status.code``, the JSON's ``status_code``, the OTel trace view).
"""

from __future__ import annotations

from typing import Literal

SUCCEEDED = "succeeded"
FAILED = "failed"
Outcome = Literal["succeeded", "failed"]


def outcome(status_code: str) -> Outcome:
    """``"failed"`` for an ERROR span status, ``"succeeded"`` for OK and UNSET."""
    return "failed" if status_code == "ERROR" else "succeeded"
