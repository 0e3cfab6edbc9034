"""Staleness, computed when asked (DESIGN §2), never frozen at write time.

A run is stale when one of its dependencies
- was superseded: a later run of the *same component* wrote the *same pointer* again. "Later" means it started
  after the dependency ended: runs that overlap in time are parallel siblings (shards, retries racing), not fresher
  versions of each other, and shards that write different pointers never meet here at all; or
- is older than the staleness window, measured from the dependency's end to this run's start (as mltrace did,
  so a run's verdict does not drift with the wall clock).

A component that reads what it wrote itself (an incremental model update, say) is not made stale by its own later
runs: those are its successors, not fresher inputs it missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, bindparam, text

from mltrace_otel.config import staleness_window
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import StaleReason, ns_to_datetime
from mltrace_otel.queries.runs import chunks

# One statement per 2,000 runs: every edge of the runs, with the newest superseding run of each edge's pointer
# found by one index seek on (pointer, direction, end_ns) bounded below by the dependency's end.
_SQL = text(
    """
SELECT e.consumer_id, e.producer_id, e.via, COALESCE(p.component, p.name) AS dep_component, p.end_ns,
    c.start_ns AS consumer_start, n.span_id AS newer_id, n.end_ns AS newer_end
FROM run_edges e
JOIN spans p ON p.span_id = e.producer_id
JOIN spans c ON c.span_id = e.consumer_id
LEFT JOIN run_io n ON n.direction = 'out' AND n.pointer = e.via AND n.span_id = (
    SELECT o.span_id FROM run_io o
    WHERE o.pointer = e.via AND o.direction = 'out' AND o.component = p.component
        AND o.end_ns >= p.end_ns AND o.start_ns >= p.end_ns
        AND o.span_id <> p.span_id AND o.span_id <> c.span_id
        AND (c.component IS NULL OR c.component <> p.component)
    ORDER BY o.end_ns DESC, o.span_id DESC
    LIMIT 1
)
WHERE e.consumer_id IN :ids
ORDER BY e.consumer_id, p.start_ns, e.producer_id, e.via
"""
).bindparams(bindparam("ids", expanding=True))


def describe_age(delta_ns: int) -> str:
    """A duration as people say it: '45 days', '36 hours', '12 minutes'."""
    seconds = delta_ns / 1e9
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        # Two of a unit before switching to it: "36 hours" reads better than "1 day".
        if seconds >= 2 * size:
            value = round(seconds / size)
            return f"{value} {unit}s"
    value = round(seconds)
    return f"{value} second" if value == 1 else f"{value} seconds"


@dataclass
class _Superseded:
    newer_id: str
    newer_end: int
    pointers: list[str] = field(default_factory=list)


def _check_window(window: timedelta | None) -> int:
    resolved = staleness_window() if window is None else window
    if resolved <= timedelta(0):
        raise InvalidArgument(f"the staleness window must be positive (got {resolved})")
    return int(resolved.total_seconds() * 1e9)


def stale_reasons(
    conn: Connection, run_ids: Sequence[str], window: timedelta | None = None
) -> dict[str, list[StaleReason]]:
    """Why each run is stale (an empty list: fresh), one statement per 2,000 runs.

    ``window`` defaults to ``MLTRACE_STALENESS_DAYS`` (30 days). Every requested id gets an entry.
    """
    window_ns = _check_window(window)
    result: dict[str, list[StaleReason]] = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        # Per (consumer, dependency): the newest superseding run and every pointer it rewrote; the age once.
        superseded: dict[tuple[str, str], _Superseded] = {}
        too_old: dict[tuple[str, str], int] = {}
        dependencies: dict[tuple[str, str], str] = {}  # (consumer, dependency) -> its component, in order
        for consumer, producer, via, component, end_ns, consumer_start, newer_id, newer_end in conn.execute(
            _SQL, {"ids": part}
        ):
            key = (consumer, producer)
            dependencies.setdefault(key, component)
            if newer_id is not None:
                # Name the newest superseding run and the pointers *it* rewrote.
                entry = superseded.get(key)
                if entry is None or (newer_end, newer_id) > (entry.newer_end, entry.newer_id):
                    entry = superseded[key] = _Superseded(newer_id, newer_end)
                if entry.newer_id == newer_id:
                    entry.pointers.append(via)
            if consumer_start - end_ns > window_ns:
                too_old[key] = consumer_start - end_ns
        for key, component in dependencies.items():
            consumer, producer = key
            if key in superseded:
                entry = superseded[key]
                pointers = ", ".join(dict.fromkeys(entry.pointers))
                result[consumer].append(
                    StaleReason(
                        dependency_id=producer,
                        newer_run_id=entry.newer_id,
                        reason=(
                            f"dependency {component} run {producer} was superseded: {component} run "
                            f"{entry.newer_id} wrote {pointers} again, finishing "
                            f"{ns_to_datetime(entry.newer_end):%Y-%m-%d %H:%M:%S} UTC"
                        ),
                    )
                )
            if key in too_old:
                result[consumer].append(
                    StaleReason(
                        dependency_id=producer,
                        reason=(
                            f"dependency {component} run {producer} finished {describe_age(too_old[key])} before "
                            f"this run started (staleness window: {describe_age(window_ns)})"
                        ),
                    )
                )
    return result
