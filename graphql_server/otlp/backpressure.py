"""Admission control for the receiver: a bounded number of requests in flight, the rest told to come back.

A request holds a slot from before its body is read until its spans are committed, so at most ``limit`` bodies
(each capped) and their decoded spans are in memory at once, however fast senders are. Refused requests get
503 + Retry-After, which OTLP exporters and Collectors retry by themselves: the backlog waits in the senders'
queues, not in our memory.
"""

from __future__ import annotations

import math
import time


class IngestSlots:
    """Counts requests in flight. Used only from the event loop's thread, so no lock is needed."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.in_flight = 0
        self.refused = 0
        # Moving average of how long an admitted request takes; a sensible Retry-After is about one of them.
        self._average_s = 0.5

    def try_acquire(self) -> bool:
        if self.in_flight >= self.limit:
            self.refused += 1
            return False
        self.in_flight += 1
        return True

    def release(self, started: float) -> None:
        self.in_flight -= 1
        self._average_s = 0.8 * self._average_s + 0.2 * (time.monotonic() - started)

    def retry_after_s(self) -> int:
        """Whole seconds (the header's unit), at least 1, at most 30."""
        return min(30, max(1, math.ceil(self._average_s)))
