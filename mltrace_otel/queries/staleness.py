"""Staleness, computed when asked (docs/design.md §2), never frozen at write time.

A run is stale when one of its dependencies
- is too old: it *started* more than the staleness threshold before this run started (mltrace 0.17's first rule,
  measured as 0.17 measured it). The threshold is the one the run was recorded with
  (``register(..., staleness_threshold=...)``, span attribute ``mltrace.staleness_threshold`` in seconds), else
  the caller's window, else ``MLTRACE_STALENESS_DAYS`` (30 days);
- has a newer run (0.17's second rule, made precise): a successful run of the dependency's component started
  after the dependency ended and before this run started, and this run did not consume it too. Shards this run
  read are its other dependencies, not fresher alternatives (a 124-shard fan-in stays silent); a retrain it
  ignored is exactly what the rule is for. Failed runs are attempts, not fresher versions; or
- was rewritten since (live): a later successful run of the same component wrote a pointer this run read again.
  "Later" means it started after the dependency ended: runs that overlap in time are parallel siblings (shards,
  racing retries), not newer versions of each other. A component that reads what it wrote itself (an incremental
  model update, say) is not made stale by its own later runs: those are its successors, not inputs it missed.

Every reason is a sentence naming the runs. The whole answer is one statement per 2,000 runs: the newer-run rule
looks once per (run, dependency component) for the newest successful run of that component this run did not
consume (one backwards seek on ``ix_spans_component_start``, stepping only over runs it did consume), so a fan-in
of N shards costs N steps, not N².
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, text

from mltrace_otel import semconv
from mltrace_otel.config import staleness_window, threshold_seconds
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import StaleReason, ns_to_datetime
from mltrace_otel.queries.runs import chunks

REWRITTEN = "rewritten"
NEWER_RUN = "newer_run"
TOO_OLD = "too_old"

# Each dependency edge of the requested runs, with: the newest successful run of the same component that
# rewrote the edge's pointer after the dependency ended (live rule), and the newest successful run of the
# dependency's component that this run did not consume, started before this run (newer-run rule; compared with
# each dependency's end in Python). The run's own threshold is read once per run (its attributes hold every
# input: a 10,000-shard fan-in's are large). The newer runs come back as rows of their own, matched to edges in
# Python: joining them to the edges made SQLite scan one list per row of the other (N²). "Consumed?" is a scalar
# probe of run_edges' key, never a join: Postgres, which estimates a handful of edges per run, would otherwise
# rescan a big fan-in's edges per candidate (N² again). ``newer`` is MATERIALIZED too: inlined, Postgres joined its
# scalar subquery to ``spans`` by hashing the whole table (measured at 1 M runs: 650 ms for the 499-run DAG instead
# of 12 ms); materialised, the few rows it yields are looked up by key.
_SQL = """
WITH consumers AS MATERIALIZED (
    SELECT c.span_id, c.start_ns, c.component, {threshold} AS threshold FROM spans c WHERE c.span_id IN :ids
),
deps AS MATERIALIZED (
    SELECT e.consumer_id, e.producer_id, e.via, p.component AS dep_component,
        COALESCE(p.component, p.name) AS dep_label, p.start_ns AS dep_start, p.end_ns AS dep_end,
        c.start_ns AS consumer_start, c.threshold, (
            SELECT o.span_id FROM run_io o
            WHERE e.via <> '' AND o.pointer = e.via AND o.direction = 'out' AND o.failed = false
                AND o.component = p.component AND o.end_ns >= p.end_ns AND o.start_ns >= p.end_ns
                AND o.span_id <> p.span_id AND o.span_id <> c.span_id
                AND (c.component IS NULL OR c.component <> p.component)
            ORDER BY o.end_ns DESC, o.span_id DESC
            LIMIT 1
        ) AS rewrite_id
    FROM consumers c
    JOIN run_edges e ON e.consumer_id = c.span_id
    JOIN spans p ON p.span_id = e.producer_id
),
newer AS MATERIALIZED (
    SELECT g.consumer_id, g.dep_component, (
        SELECT n.span_id FROM spans n
        WHERE n.component = g.dep_component AND n.start_ns < g.consumer_start AND n.start_ns >= g.lowest_end
            AND n.status_code <> 'ERROR'
            AND (
                SELECT x.producer_id FROM run_edges x
                WHERE x.consumer_id = g.consumer_id AND x.producer_id = n.span_id
                LIMIT 1
            ) IS NULL
        ORDER BY n.start_ns DESC, n.span_id DESC
        LIMIT 1
    ) AS newer_id
    FROM (
        SELECT consumer_id, dep_component, MIN(dep_end) AS lowest_end, MIN(consumer_start) AS consumer_start
        FROM deps WHERE dep_component IS NOT NULL
        GROUP BY consumer_id, dep_component
    ) g
)
SELECT 'edge' AS part, d.consumer_id, d.producer_id, d.via, d.dep_label, d.dep_component, d.dep_start, d.dep_end,
    d.consumer_start, d.threshold, d.rewrite_id, rw.end_ns AS rewrite_end
FROM deps d
LEFT JOIN spans rw ON rw.span_id = d.rewrite_id
UNION ALL
SELECT 'newer', nw.consumer_id, nw.newer_id, NULL, NULL, nw.dep_component, nr.start_ns, NULL, NULL, NULL, NULL, NULL
FROM newer nw
JOIN spans nr ON nr.span_id = nw.newer_id
ORDER BY 2, 7, 3, 4
"""

# The recorded threshold when it is a JSON number (text on Postgres, a number on SQLite), else NULL: the same
# answer on both backends for strings, booleans and lists.
_KEY = semconv.STALENESS_THRESHOLD
_THRESHOLD = {
    "postgresql": f"CASE WHEN jsonb_typeof(c.attributes -> '{_KEY}') = 'number' THEN c.attributes ->> '{_KEY}' END",
    "sqlite": (
        f"CASE WHEN json_type(c.attributes, '$.\"{_KEY}\"') IN ('integer', 'real') "
        f"THEN json_extract(c.attributes, '$.\"{_KEY}\"') END"
    ),
}


@functools.lru_cache(maxsize=4)
def _statement(dialect: str) -> Any:
    sql = _SQL.format(threshold=_THRESHOLD.get(dialect, "NULL"))
    return text(sql).bindparams(bindparam("ids", expanding=True))


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


def _recorded_threshold_ns(raw: object, default_ns: int) -> int:
    """The threshold a run carries (numeric text on Postgres, a number on SQLite); the default when absent or not
    positive."""
    if raw is None:
        return default_ns
    try:
        return int(threshold_seconds(float(raw) if isinstance(raw, str) else raw) * 1e9)
    except ValueError:  # a hand-made span with a threshold that means nothing: the default applies
        return default_ns


@dataclass
class _Dependency:
    """What one (run, dependency) pair collects over its edge rows."""

    label: str
    age_ns: int
    threshold_ns: int
    rewrite_id: str | None = None
    rewrite_end: int = 0
    rewritten: list[str] = field(default_factory=list)
    newer_id: str | None = None
    newer_start: int = 0


def _check_window(window: timedelta | None) -> int:
    resolved = staleness_window() if window is None else window
    if resolved <= timedelta(0):
        raise InvalidArgument(f"the staleness window must be positive (got {resolved})")
    return int(resolved.total_seconds() * 1e9)


def stale_reasons(
    conn: Connection, run_ids: Sequence[str], window: timedelta | None = None
) -> dict[str, list[StaleReason]]:
    """Why each run is stale (an empty list: fresh), one statement per 2,000 runs.

    ``window`` is the threshold for runs recorded without one; it defaults to ``MLTRACE_STALENESS_DAYS``
    (30 days). Every requested id gets an entry.
    """
    default_ns = _check_window(window)
    statement = _statement(conn.dialect.name)
    result: dict[str, list[StaleReason]] = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        rows = conn.execute(statement, {"ids": part}).all()
        # The newest unconsumed successful run of each (run, dependency component), started before the run.
        newer = {(r[1], r[5]): (r[2], r[6]) for r in rows if r[0] == "newer"}
        pairs: dict[tuple[str, str], _Dependency] = {}  # in dependency order
        for (
            kind,
            consumer,
            producer,
            via,
            label,
            component,
            dep_start,
            dep_end,
            start,
            threshold,
            rw_id,
            rw_end,
        ) in rows:
            if kind == "newer":
                continue
            dep = pairs.get((consumer, producer))
            if dep is None:
                dep = pairs[(consumer, producer)] = _Dependency(
                    label, start - dep_start, _recorded_threshold_ns(threshold, default_ns)
                )
                newer_id, newer_start = newer.get((consumer, component), (None, 0))
                # Fresher than this dependency when it started after this dependency ended.
                if newer_id is not None and newer_start >= dep_end:
                    dep.newer_id, dep.newer_start = newer_id, newer_start
            if rw_id is not None:
                # Name the newest rewriting run and the pointers *it* rewrote.
                if dep.rewrite_id is None or (rw_end, rw_id) > (dep.rewrite_end, dep.rewrite_id):
                    dep.rewrite_id, dep.rewrite_end, dep.rewritten = rw_id, rw_end, []
                if dep.rewrite_id == rw_id:
                    dep.rewritten.append(via)
        for (consumer, producer), dep in pairs.items():
            result[consumer].extend(_reasons(producer, dep))
    return result


def _reasons(producer: str, dep: _Dependency) -> list[StaleReason]:
    name = dep.label
    found = []
    if dep.rewrite_id is not None:
        pointers = ", ".join(dict.fromkeys(dep.rewritten))
        found.append(
            StaleReason(
                dependency_id=producer,
                newer_run_id=dep.rewrite_id,
                kind=REWRITTEN,
                reason=(
                    f"dependency {name} run {producer} was superseded: {name} run {dep.rewrite_id} wrote "
                    f"{pointers} again, finishing {ns_to_datetime(dep.rewrite_end):%Y-%m-%d %H:%M:%S} UTC"
                ),
            )
        )
    if dep.newer_id is not None:
        found.append(
            StaleReason(
                dependency_id=producer,
                newer_run_id=dep.newer_id,
                kind=NEWER_RUN,
                reason=(
                    f"dependency {name} run {producer} is not the latest: {name} run {dep.newer_id} started "
                    f"{ns_to_datetime(dep.newer_start):%Y-%m-%d %H:%M:%S} UTC, after it finished and before this "
                    "run started, and this run did not use it"
                ),
            )
        )
    if dep.age_ns > dep.threshold_ns:
        found.append(
            StaleReason(
                dependency_id=producer,
                kind=TOO_OLD,
                reason=(
                    f"dependency {name} run {producer} started {describe_age(dep.age_ns)} before this run "
                    f"started (staleness threshold: {describe_age(dep.threshold_ns)})"
                ),
            )
        )
    return found
