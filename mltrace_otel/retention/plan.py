"""What a retention policy would delete, with lineage respected.

Age-based deletion (Jaeger, Tempo) would cut a model's lineage in half. Here a run the policy lets go is deleted
only when nothing that stays depends on it:
1. *expired*: runs no rule keeps (:mod:`mltrace_otel.retention.policy`);
2. protected among them: the latest producer of every flagged or pinned output, every producer a run outside
   the expired set depends on (a lineage edge, IO or span link), and, transitively, everything upstream of a
   protected run;
3. the rest is the plan.

All of it is set-based SQL into a scratch table on the caller's connection (``retention_doomed``), so a plan
over millions of runs holds nothing in Python memory; :mod:`mltrace_otel.retention.purge` deletes from it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text

from mltrace_otel.retention.policy import Limits, Policy

SCRATCH = "retention_doomed"

# Why a run the policy lets go stays (the ``reason`` column; null: it goes).
FLAGGED, PINNED, DEPENDED_ON, UPSTREAM, LATE = "flagged", "pinned", "depended_on", "upstream", "late_dependent"
DELETED = "deleted"


@dataclass
class RetentionPlan:
    now_ns: int
    policy: str
    runs_expired: int = 0  # runs no rule keeps
    runs_to_delete: int = 0
    protected: dict[str, int] = field(default_factory=dict)  # reason -> runs kept though expired
    by_component: dict[str, int] = field(default_factory=dict)  # component -> runs to delete
    spans_to_delete: int = 0  # plain spans older than the spans rule
    spans_cutoff_ns: int | None = None
    run_ids: list[str] | None = None  # only when asked for (tests, --ids)


def _expired_condition(rules: tuple[Limits, ...], params: dict[str, int], key: str) -> tuple[str, bool]:
    """SQL true when no rule keeps the row (``start_ns``, ``rn`` its newness rank in its component)."""
    parts = []
    for i, limits in enumerate(rules):
        conds = []
        if limits.within_ns is not None:
            params[f"{key}_cut{i}"] = -limits.within_ns  # filled in by the caller: now - within
            conds.append(f"start_ns < :{key}_cut{i}")
        if limits.last is not None:
            params[f"{key}_last{i}"] = limits.last
            conds.append(f"rn > :{key}_last{i}")
        parts.append("(" + " AND ".join(conds) + ")")
    return " AND ".join(parts), any(limits.last is not None for limits in rules)


def _create_scratch(conn: Connection) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {SCRATCH}"))
    conn.execute(
        text(
            f"CREATE TEMPORARY TABLE {SCRATCH} (span_id VARCHAR(16) PRIMARY KEY, start_ns BIGINT NOT NULL, "
            "component TEXT NOT NULL, reason TEXT)"
        )
    )


def _governed_components(conn: Connection, policy: Policy) -> dict[tuple[Limits, ...], list[str]]:
    """Components grouped by the rules that govern them (components no rule governs are left out)."""
    tags: dict[str, list[str]] = defaultdict(list)
    for component, tag in conn.execute(text("SELECT component, tag FROM component_tags")):
        tags[component].append(tag)
    groups: dict[tuple[Limits, ...], list[str]] = defaultdict(list)
    for (name,) in conn.execute(text("SELECT name FROM components ORDER BY name")):
        rules = policy.rules_for(name, tags.get(name, ()))
        if rules:
            groups[rules].append(name)
    return groups


def _mark_expired(conn: Connection, policy: Policy, now_ns: int) -> None:
    for n, (rules, names) in enumerate(_governed_components(conn, policy).items()):
        params: dict[str, int] = {}
        condition, ranked = _expired_condition(rules, params, f"g{n}")
        for key, value in list(params.items()):
            if "_cut" in key:
                params[key] = now_ns + value
        rank = "ROW_NUMBER() OVER (PARTITION BY component ORDER BY start_ns DESC, span_id DESC)" if ranked else "0"
        stmt = text(
            f"INSERT INTO {SCRATCH} (span_id, start_ns, component) "
            f"SELECT span_id, start_ns, component FROM ("
            f"SELECT span_id, start_ns, component, {rank} AS rn FROM spans WHERE component IN :names"
            f") r WHERE {condition}"
        ).bindparams(bindparam("names", expanding=True))
        conn.execute(stmt, {"names": names, **params})


# The run a lineage question about an output starts from: its latest producer, successful ones first.
_LATEST_PRODUCER = (
    "(SELECT o.span_id FROM run_io o WHERE o.pointer = {pointer} AND o.direction = 'out' "
    "ORDER BY o.failed, o.end_ns DESC, o.span_id DESC LIMIT 1)"
)


BATCH = "batch"  # the runs a purge is deleting now (see purge.py)


_NEW_LATE = "late_new"  # marked in this batch's re-check, before its upstream is walked


def protect(conn: Connection, *, batch: bool = False) -> None:
    """Mark (with a reason) every scratch run that must stay: producers of flagged or pinned outputs, producers
    of runs that stay, and everything upstream of those.

    ``batch``: re-check, under the edge lock, the runs a purge is about to delete (marked BATCH): flags, pins and
    consumers that arrived since the plan protect them (LATE), and everything upstream of them that is still
    here, pending or in this batch."""
    pending = f"reason = '{BATCH}'" if batch else "reason IS NULL"
    marked = 0
    for reason, source, pointer in (
        (FLAGGED, "io_pointers p WHERE p.flagged", "p.name"),
        (PINNED, "pins p", "p.pointer"),
    ):
        marked += conn.execute(
            text(
                f"UPDATE {SCRATCH} SET reason = '{_NEW_LATE if batch else reason}' WHERE {pending} AND span_id IN "
                f"(SELECT {_LATEST_PRODUCER.format(pointer=pointer)} FROM {source})"
            )
        ).rowcount
    # A consumer that is not going with it stays (or arrived since the plan): its producers stay.
    marked += conn.execute(
        text(
            f"UPDATE {SCRATCH} SET reason = '{_NEW_LATE if batch else DEPENDED_ON}' WHERE {pending} AND EXISTS "
            f"(SELECT 1 FROM run_edges e WHERE e.producer_id = {SCRATCH}.span_id AND NOT EXISTS "
            f"(SELECT 1 FROM {SCRATCH} d WHERE d.span_id = e.consumer_id AND d.{pending}))"
        )
    ).rowcount
    if batch and not marked:
        return  # nothing new to keep: no upstream walk (the usual case)
    # Upstream of anything protected stays too (UNION: the cycle guard, as in the lineage walk).
    start = f"reason = '{_NEW_LATE}'" if batch else f"reason IS NOT NULL AND reason <> '{DELETED}'"
    still_here = f"(reason IS NULL OR reason = '{BATCH}')" if batch else "reason IS NULL"
    if conn.dialect.name == "postgresql":
        # One index seek per step, whatever the planner guesses of the work table (a model fine-tuned from the
        # previous one makes a chain thousands of steps deep; a hash join per step scanned the scratch table
        # each time: 285 s for 52,000 expired runs). OFFSET 0 keeps the subqueries from being flattened.
        step = (
            f"SELECT d.span_id FROM up CROSS JOIN LATERAL (SELECT e.producer_id FROM run_edges e "
            f"WHERE e.consumer_id = up.id OFFSET 0) e CROSS JOIN LATERAL (SELECT d.span_id FROM {SCRATCH} d "
            f"WHERE d.span_id = e.producer_id OFFSET 0) d"
        )
    else:
        step = (
            f"SELECT e.producer_id FROM up JOIN run_edges e ON e.consumer_id = up.id "
            f"JOIN {SCRATCH} d ON d.span_id = e.producer_id"
        )
    conn.execute(
        text(
            f"UPDATE {SCRATCH} SET reason = '{_NEW_LATE if batch else UPSTREAM}' WHERE {still_here} AND span_id IN ("
            f"WITH RECURSIVE up(id) AS (SELECT span_id FROM {SCRATCH} WHERE {start} UNION {step}) SELECT id FROM up)"
        )
    )
    if batch:
        conn.execute(text(f"UPDATE {SCRATCH} SET reason = '{LATE}' WHERE reason = '{_NEW_LATE}'"))


def prepare(conn: Connection, policy: Policy, now_ns: int | None = None) -> int:
    """Fill the scratch table on ``conn`` (expired runs, protections marked); returns the ``now`` it used."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    _create_scratch(conn)
    _mark_expired(conn, policy, now_ns)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {SCRATCH}"))  # temp tables get no autovacuum statistics
    protect(conn)
    # A purge pages newest first and finds each batch by reason: index lookups, not a scan per batch.
    conn.execute(text(f"CREATE INDEX {SCRATCH}_reason ON {SCRATCH} (reason)"))
    conn.execute(text(f"CREATE INDEX {SCRATCH}_newest ON {SCRATCH} (start_ns, span_id)"))
    return now_ns


def summarise(conn: Connection, policy: Policy, now_ns: int, *, with_ids: bool = False) -> RetentionPlan:
    plan = RetentionPlan(now_ns=now_ns, policy=policy.describe())
    for component, reason, count in conn.execute(
        text(f"SELECT component, reason, count(*) FROM {SCRATCH} GROUP BY component, reason")
    ):
        plan.runs_expired += count
        if reason is None:
            plan.runs_to_delete += count
            plan.by_component[component] = count
        else:
            plan.protected[reason] = plan.protected.get(reason, 0) + count
    if with_ids:
        plan.run_ids = sorted(conn.execute(text(f"SELECT span_id FROM {SCRATCH} WHERE reason IS NULL")).scalars())
    if policy.spans_within_ns is not None:
        plan.spans_cutoff_ns = now_ns - policy.spans_within_ns
        plan.spans_to_delete = conn.execute(
            text("SELECT count(*) FROM spans WHERE component IS NULL AND start_ns < :cut"),
            {"cut": plan.spans_cutoff_ns},
        ).scalar_one()
    return plan


def plan_retention(
    conn: Connection, policy: Policy, now_ns: int | None = None, *, with_ids: bool = False
) -> RetentionPlan:
    """What ``apply`` would delete now, changing nothing (the scratch table is dropped again)."""
    try:
        used = prepare(conn, policy, now_ns)
        return summarise(conn, policy, used, with_ids=with_ids)
    finally:
        conn.execute(text(f"DROP TABLE IF EXISTS {SCRATCH}"))
        conn.rollback()
