"""The server applies the retention policy on a schedule (``MLTRACE_RETENTION_INTERVAL_S``), off the event loop.

Replicas on one Postgres each run the schedule; one purges at a time and the others skip that round
(``apply_retention_alone``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from graphql_server.database import suppressed
from mltrace_otel.config import ConfigError, positive_number_env
from mltrace_otel.retention.policy import Policy, policy_from_env

log = logging.getLogger(__name__)


def schedule_from_env() -> tuple[Policy, float] | None:
    """(policy, interval) when the server should purge on its own; None when it should not. Bad values raise."""
    interval = positive_number_env("MLTRACE_RETENTION_INTERVAL_S", "seconds")
    if interval is None:
        return None
    policy = policy_from_env()
    if policy.empty:
        raise ConfigError("MLTRACE_RETENTION_INTERVAL_S is set but no policy is: set MLTRACE_RETENTION(_FILE)")
    return policy, interval


def purge_once(engine: Engine, policy: Policy) -> int | None:
    """One round; the number of runs deleted, or None when another replica holds the purge."""
    from opentelemetry import context as otel_context

    from mltrace_otel.retention.purge import apply_retention_alone

    token = suppressed()
    try:
        # In the background of a serving process: work at most half the time.
        result = apply_retention_alone(engine, policy, pause_ratio=1.0)
    finally:
        otel_context.detach(token)  # type: ignore[arg-type]
    if result is None:
        return None
    log.info(
        "retention: deleted %d runs and %d plain spans (%d kept for lineage)",
        result.runs_deleted,
        result.spans_deleted,
        sum(result.plan.protected.values()) + result.kept_late,
    )
    return result.runs_deleted


@asynccontextmanager
async def retention_schedule(engine: Engine, schedule: tuple[Policy, float] | None) -> AsyncIterator[None]:
    """Purge every interval while the app runs (nothing when no schedule is configured)."""
    if schedule is None:
        yield
        return
    policy, interval = schedule

    async def forever() -> None:
        while True:
            try:
                await run_in_threadpool(purge_once, engine, policy)
            except Exception:  # the database went away: the next round tries again
                log.exception("retention: the scheduled purge failed; next try in %.0f s", interval)
            await asyncio.sleep(interval)

    task = asyncio.create_task(forever())
    try:
        yield
    finally:
        task.cancel()
