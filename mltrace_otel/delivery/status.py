"""``export_status()``: what this process's spans, outputs and feedback became, in numbers and in words."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """A span the store will never hold as it was sent, and why."""

    span_id: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExportStatus:
    durability: str  # "spool" or "memory"
    store: str  # the store's address, without its password
    # "idle", "storing", "store unreachable, spooling", "store unreachable, holding spans in memory",
    # "store refuses writes", "stopped", or "not configured"
    state: str
    stored: int  # spans this process wrote into the store (new there)
    duplicates: int  # already stored with the same content (a re-delivery): stored all the same
    spooled: int  # this process's records (spans, and records of outputs or feedback) not stored yet
    rejected: int  # spans the store will not hold (invalid, or refused by the database), each with a reason
    conflicts: int  # span ids already stored with different content (the stored one is kept)
    dropped: int  # spans lost without being stored: only with durability="memory" (full queue, or left at exit)
    adopted: int  # spans of earlier processes this one took from the spool and handled
    oldest_unsent_age_s: float | None  # how long ago the oldest span still waiting ended
    last_error: str | None  # the store's last failure, while it lasts
    reasons: tuple[Rejection, ...]  # the latest rejections and conflicts, newest last
    spool_dir: str | None
    outputs_stored: int = 0  # values of log_output(s) the store holds (new there or already there)
    feedback_stored: int = 0  # values of log_feedback(s) the store holds
    observations_refused: int = 0  # outputs or feedback values the store will never hold, each with a reason

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def everything_stored(self) -> bool:
        return (
            self.spooled == 0 and self.rejected == 0 and self.conflicts == 0 and self.dropped == 0
            and self.observations_refused == 0
        )  # fmt: skip
