"""Staleness, computed when asked (DESIGN §2), never frozen at write time.

A run is stale when one of its dependencies
- was superseded: a newer run of the *same component* wrote the *same pointer* again (parallel shards write
  different pointers, so they never supersede each other), or
- is older than the staleness window, measured from the dependency's end to this run's start (as mltrace did,
  so a run's verdict does not drift with the wall clock).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Connection, bindparam, text

from mltrace_otel.config import staleness_window
from mltrace_otel.queries.records import StaleReason, ns_to_datetime
from mltrace_otel.queries.runs import chunks

_SQL = text(
    """
SELECT e.consumer_id, e.producer_id, e.via, e.kind, p.component, p.end_ns, c.start_ns AS consumer_start,
    (SELECT o.span_id FROM run_io o
     WHERE o.pointer = e.via AND o.direction = 'out' AND o.component = p.component AND o.start_ns > p.start_ns
     ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1) AS newer_id,
    (SELECT o.start_ns FROM run_io o
     WHERE o.pointer = e.via AND o.direction = 'out' AND o.component = p.component AND o.start_ns > p.start_ns
     ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1) AS newer_start
FROM run_edges e
JOIN spans p ON p.span_id = e.producer_id
JOIN spans c ON c.span_id = e.consumer_id
WHERE e.consumer_id IN :ids
ORDER BY e.consumer_id, p.start_ns, e.producer_id, e.via
"""
).bindparams(bindparam("ids", expanding=True))


def _age(delta_ns: int) -> str:
    days = delta_ns / 86_400e9
    return f"{days:.0f} days" if days >= 2 else f"{delta_ns / 3_600e9:.0f} hours"


def stale_reasons(
    conn: Connection, run_ids: Sequence[str], window: timedelta | None = None
) -> dict[str, list[StaleReason]]:
    """Why each run is stale (empty list: fresh), one statement per 2,000 runs."""
    window_ns = int((window or staleness_window()).total_seconds() * 1e9)
    result: dict[str, list[StaleReason]] = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        seen: set[tuple[str, str, str]] = set()
        for row in conn.execute(_SQL, {"ids": part}):
            consumer, producer, via, _kind, component, end_ns, consumer_start, newer_id, newer_start = row
            reasons = result[consumer]
            if newer_id and (consumer, producer, "new") not in seen:
                seen.add((consumer, producer, "new"))
                reasons.append(
                    StaleReason(
                        dependency_id=producer,
                        newer_run_id=newer_id,
                        reason=(
                            f"{component} run {producer} was superseded: {component} run {newer_id} wrote "
                            f"{via} again at {ns_to_datetime(newer_start):%Y-%m-%d %H:%M:%S} UTC"
                        ),
                    )
                )
            age = consumer_start - end_ns
            if age > window_ns and (consumer, producer, "age") not in seen:
                seen.add((consumer, producer, "age"))
                reasons.append(
                    StaleReason(
                        dependency_id=producer,
                        reason=(
                            f"{component} run {producer} finished {_age(age)} before this run started "
                            f"(staleness window {_age(window_ns)})"
                        ),
                    )
                )
    return result
