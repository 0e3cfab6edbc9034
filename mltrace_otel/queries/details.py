"""Everything about a set of runs at once (IO, dependencies, dependents, staleness, failed attempts, code), for the
CLI and API.

A fixed number of statements for any number of runs: each part is one batched query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, select

from mltrace_otel.queries.failed_attempts import FailedAttempt, newer_failed_attempts
from mltrace_otel.queries.linked_runs import dependency_runs, dependent_runs
from mltrace_otel.queries.records import Edge, Run, RunIO, StaleReason
from mltrace_otel.queries.runs import chunks, run_io_by_ids
from mltrace_otel.queries.staleness import stale_reasons
from mltrace_otel.store.models import code_snapshots


@dataclass(frozen=True)
class RunDetails:
    run: Run
    io: RunIO
    dependencies: list[Edge]
    dependents: list[Edge]
    stale: list[StaleReason]
    code_snapshot: str | None
    neighbours: dict[str, Run]  # the runs at the other end of dependencies and dependents
    failed_attempts: list[FailedAttempt]  # failed runs that meant to rewrite its outputs since


def snapshots_by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks([h for h in hashes if h]):
        stmt = select(code_snapshots.c.hash, code_snapshots.c.content).where(code_snapshots.c.hash.in_(part))
        found.update({h: c for h, c in conn.execute(stmt)})
    return found


def run_details(
    conn: Connection, runs: Sequence[Run], *, window: timedelta | None = None, with_code: bool = True
) -> dict[str, RunDetails]:
    """Details of runs the caller already read (by id, from a page, a lineage graph, a review), keyed by id."""
    by_id = {run.id: run for run in runs}
    ids = list(by_id)
    io = run_io_by_ids(conn, ids)
    deps = dependency_runs(conn, ids)
    dependents = dependent_runs(conn, ids)
    stale = stale_reasons(conn, ids, window)
    attempts = newer_failed_attempts(conn, ids)
    code = snapshots_by_hash(conn, [by_id[r].code_hash or "" for r in ids]) if with_code else {}
    return {
        rid: RunDetails(
            run=by_id[rid],
            io=io[rid],
            dependencies=[edge for edge, _ in deps[rid]],
            dependents=[edge for edge, _ in dependents[rid]],
            stale=stale[rid],
            code_snapshot=code.get(by_id[rid].code_hash or ""),
            neighbours={run.id: run for _, run in (*deps[rid], *dependents[rid])},
            failed_attempts=attempts[rid],
        )
        for rid in ids
    }
