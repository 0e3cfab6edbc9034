"""``StoreSpanProcessor``: the SDK processor that hands each ended span to a :class:`Delivery`.

It takes the place of the SDK's ``BatchSpanProcessor`` for the store. That one keeps spans in a memory queue that
drops when full, ignores export results and waits up to 30 s at exit; this one makes the span durable before
``span.end()`` returns (durability="spool") and bounds every wait at exit by ``MLTRACE_EXIT_TIMEOUT_S``.
"""

from __future__ import annotations

import time

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from mltrace_otel.config import exit_timeout_s
from mltrace_otel.delivery.delivery import Delivery


class ExitBudget:
    """One deadline for everything that waits for the store while the interpreter exits (our exit handler, then
    the SDK's provider shutdown), so together they never exceed ``MLTRACE_EXIT_TIMEOUT_S``. Outside exit, each
    shutdown gets the whole timeout."""

    _deadline: float | None = None

    @classmethod
    def begin(cls) -> None:
        if cls._deadline is None:
            cls._deadline = time.monotonic() + exit_timeout_s()

    @classmethod
    def remaining(cls) -> float:
        deadline = cls._deadline
        return exit_timeout_s() if deadline is None else max(0.0, deadline - time.monotonic())


class StoreSpanProcessor(SpanProcessor):
    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        if span.context.trace_flags.sampled:
            self.delivery.append(span)

    def shutdown(self) -> None:
        self.delivery.close(ExitBudget.remaining())

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.delivery.flush(timeout_millis / 1000)
