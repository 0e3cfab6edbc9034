"""Apply a retention policy: the plan's runs deleted in small batches, each its own short transaction.

Newest first, so a run's consumers go before it does. Each batch takes the edge lock ingest takes to repair
lineage (store/edges.py) and re-checks its runs under it: a run that started depending on one since the plan (a
new consumer read its output), or an output flagged or pinned since, keeps that run and everything upstream of
it. Ingest therefore waits at most one batch, and can never link a new run to a producer being deleted.
What only the deleted runs used goes with them in the same transaction: their OpenLineage events and run rows,
pointers nothing else reads or writes, and code snapshots no other span carries.
Then the arrival numbers of deleted runs, and plain spans older than the spans rule, in primary-key ranges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, bindparam, text
from sqlalchemy.exc import IntegrityError

from mltrace_otel.retention.plan import BATCH, DELETED, LATE, SCRATCH, RetentionPlan, prepare, protect, summarise
from mltrace_otel.retention.policy import Policy
from mltrace_otel.store.bulk import begin_ingest
from mltrace_otel.store.edges import lock_edges

DEFAULT_BATCH = 1_000


@dataclass
class PurgeResult:
    plan: RetentionPlan
    runs_deleted: int = 0
    kept_late: int = 0  # planned runs kept because something came to depend on them during the purge
    spans_deleted: int = 0
    batches: int = 0
    deleted_ids: list[str] | None = field(default=None)


def _ids(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("ids", expanding=True))


_DELETE_RUN_ROWS = [
    _ids("DELETE FROM openlineage_events WHERE run_id IN (SELECT run_id FROM openlineage_runs WHERE span_id IN :ids)"),
    _ids("DELETE FROM openlineage_runs WHERE span_id IN :ids"),
    _ids("DELETE FROM run_io WHERE span_id IN :ids"),
    _ids("DELETE FROM run_edges WHERE consumer_id IN :ids"),
    _ids("DELETE FROM run_edges WHERE producer_id IN :ids"),
    _ids("DELETE FROM spans WHERE span_id IN :ids"),
]
# Pointers nothing reads or writes any more, unless flagged or pinned (their names are what the user holds on to).
_DELETE_POINTERS = _ids(
    "DELETE FROM io_pointers WHERE name IN :ids AND NOT flagged "
    "AND NOT EXISTS (SELECT 1 FROM run_io r WHERE r.pointer = io_pointers.name) "
    "AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.pointer = io_pointers.name)"
)

_CODE_HASHES = _ids("SELECT DISTINCT code_hash FROM spans WHERE span_id IN :ids AND code_hash IS NOT NULL")
_UNUSED_SNAPSHOTS = (
    "SELECT hash FROM code_snapshots c WHERE hash IN :ids "
    "AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.code_hash = c.hash)"
)
# Postgres: ingest locks the snapshots of the spans it stores (store/ingest.py), so one arriving now is skipped.
_DELETE_SNAPSHOTS = {
    "postgresql": _ids(f"DELETE FROM code_snapshots WHERE hash IN ({_UNUSED_SNAPSHOTS} FOR UPDATE SKIP LOCKED)"),
    "sqlite": _ids(f"DELETE FROM code_snapshots WHERE hash IN ({_UNUSED_SNAPSHOTS})"),  # one writer at a time
}


def _delete_snapshots(conn: Connection, hashes: list[str]) -> None:
    """Code snapshots of ``hashes`` that no stored span carries any more."""
    if not hashes:
        return
    try:
        with conn.begin_nested():
            conn.execute(_DELETE_SNAPSHOTS[conn.dialect.name], {"ids": hashes})
    except IntegrityError:
        # A span with this code committed between the check and the delete (its foreign key saw it): the
        # snapshot is in use again and stays.
        pass


def _delete_batch(conn: Connection, ids: list[str]) -> list[str]:
    """Delete the runs of one batch that may still go; returns their ids. The caller commits."""
    begin_ingest(conn)  # SQLite: the write lock first (a read transaction cannot become a write one under load)
    lock_edges(conn)
    conn.execute(
        _ids(f"UPDATE {SCRATCH} SET reason = '{BATCH}' WHERE span_id IN :ids AND reason IS NULL"), {"ids": ids}
    )
    protect(conn, batch=True)
    going = list(conn.execute(text(f"SELECT span_id FROM {SCRATCH} WHERE reason = '{BATCH}'")).scalars())
    if going:
        pointers = list(
            conn.execute(_ids("SELECT DISTINCT pointer FROM run_io WHERE span_id IN :ids"), {"ids": going}).scalars()
        )
        hashes = list(conn.execute(_CODE_HASHES, {"ids": going}).scalars())
        for stmt in _DELETE_RUN_ROWS:
            conn.execute(stmt, {"ids": going})
        if pointers:
            conn.execute(_DELETE_POINTERS, {"ids": pointers})
        _delete_snapshots(conn, hashes)
    conn.execute(text(f"UPDATE {SCRATCH} SET reason = '{DELETED}' WHERE reason = '{BATCH}'"))
    return going


def _purge_spans(
    conn: Connection, cutoff_ns: int, batch_size: int, on_batch: Callable[[], None] | None
) -> tuple[int, int]:
    """Plain spans that started before ``cutoff_ns``, by ranges of the primary key (never a full-table delete)."""
    top = conn.execute(text("SELECT coalesce(max(seq), 0) FROM spans")).scalar_one()
    conn.rollback()
    deleted = batches = 0
    low = 0
    window = batch_size * 10  # plain spans are a fraction of each range; keeps each statement short either way
    while low < top:
        hashes = (
            conn.execute(
                text(
                    "DELETE FROM spans WHERE seq > :low AND seq <= :high AND component IS NULL AND start_ns < :cut "
                    "RETURNING code_hash"
                ),
                {"low": low, "high": low + window, "cut": cutoff_ns},
            )
            .scalars()
            .all()
        )
        _delete_snapshots(conn, sorted({h for h in hashes if h is not None}))
        conn.commit()
        deleted += len(hashes)
        batches += 1
        low += window
        if on_batch is not None:
            on_batch()
    return deleted, batches


def _purge_arrivals(conn: Connection, batch_size: int, on_batch: Callable[[], None] | None) -> int:
    """Arrival numbers of runs that are gone (subscribers skip them anyway), by ranges of the primary key."""
    top = conn.execute(text("SELECT coalesce(max(seq), 0) FROM run_arrivals")).scalar_one()
    conn.rollback()
    batches = 0
    low = 0
    window = batch_size * 10
    while low < top:
        conn.execute(
            text(
                "DELETE FROM run_arrivals WHERE seq > :low AND seq <= :high AND NOT EXISTS "
                "(SELECT 1 FROM spans s WHERE s.span_id = run_arrivals.span_id)"
            ),
            {"low": low, "high": low + window},
        )
        conn.commit()
        batches += 1
        low += window
        if on_batch is not None:
            on_batch()
    return batches


def apply_retention(
    engine: Engine,
    policy: Policy,
    now_ns: int | None = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    with_ids: bool = False,
    on_batch: Callable[[], None] | None = None,
    pause_ratio: float = 0.0,
) -> PurgeResult:
    """Plan, then delete the plan in batches of ``batch_size`` runs (each committed on its own).

    ``on_batch`` is called between batches, outside any transaction (progress; tests interleave ingest there).
    ``pause_ratio``: after each batch, rest ``pause_ratio`` times as long as it took (1.0: the purge works at most
    half the time), leaving the machine to ingest and queries.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if pause_ratio < 0:
        raise ValueError("pause_ratio must not be negative")
    with engine.connect() as conn:
        try:
            used = prepare(conn, policy, now_ns)
            plan = summarise(conn, policy, used, with_ids=with_ids)
            conn.commit()  # the scratch table is this session's; the plan's reads end here
            result = PurgeResult(plan=plan, deleted_ids=[] if with_ids else None)
            after: tuple[int, str] | None = None
            while True:
                page = text(
                    f"SELECT start_ns, span_id FROM {SCRATCH} WHERE reason IS NULL"
                    + (" AND (start_ns < :s OR (start_ns = :s AND span_id < :i))" if after else "")
                    + " ORDER BY start_ns DESC, span_id DESC LIMIT :n"
                )
                params: dict[str, object] = {"n": batch_size}
                if after:
                    params.update(s=after[0], i=after[1])
                rows = conn.execute(page, params).all()
                if not rows:
                    conn.commit()
                    break
                after = (rows[-1][0], rows[-1][1])
                began = time.perf_counter()
                going = _delete_batch(conn, [r[1] for r in rows])
                conn.commit()
                if pause_ratio > 0:
                    time.sleep((time.perf_counter() - began) * pause_ratio)
                result.runs_deleted += len(going)
                result.batches += 1
                if result.deleted_ids is not None:
                    result.deleted_ids.extend(going)
                if on_batch is not None:
                    on_batch()
            result.kept_late = conn.execute(
                text(f"SELECT count(*) FROM {SCRATCH} WHERE reason = '{LATE}'")
            ).scalar_one()
            conn.commit()
            if result.runs_deleted:
                result.batches += _purge_arrivals(conn, batch_size, on_batch)
            if plan.spans_cutoff_ns is not None:
                spans, batches = _purge_spans(conn, plan.spans_cutoff_ns, batch_size, on_batch)
                result.spans_deleted += spans
                result.batches += batches
            return result
        finally:
            conn.rollback()
            conn.execute(text(f"DROP TABLE IF EXISTS {SCRATCH}"))
            conn.commit()


# Any constant shared by every mltrace-otel process: one purge at a time per Postgres database.
_PURGE_LOCK_KEY = 7_420_170_017


def apply_retention_alone(engine: Engine, policy: Policy, **options: Any) -> PurgeResult | None:
    """:func:`apply_retention` unless another process is purging this database already (then None at once).

    For replicas that each run the schedule: they would only find nothing to delete, after waiting for the edge
    lock batch by batch. SQLite has one writer at a time anyway."""
    if engine.dialect.name != "postgresql":
        return apply_retention(engine, policy, **options)
    with engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PURGE_LOCK_KEY}).scalar_one():
            return None
        lock.commit()
        try:
            return apply_retention(engine, policy, **options)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PURGE_LOCK_KEY})
            lock.commit()
