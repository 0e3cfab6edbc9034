"""A drifted window's outputs as candidates for review: flag, in one statement, those that are lineage outputs."""

from __future__ import annotations

import time

from sqlalchemy import Connection, text

from mltrace_otel.queries.audit import record_many


def flag_window(conn: Connection, actor: str, task: str, start_ns: int, end_ns: int) -> tuple[int, int]:
    """Flag every output of ``task`` made in [start, end) that a stored run wrote (an IO pointer; outputs logged
    outside a run have no lineage to review). Returns (flagged, outputs in the window)."""
    window = "FROM task_outputs WHERE task = :t AND ts_ns >= :a AND ts_ns < :b"
    params = {"t": task, "a": start_ns, "b": end_ns}
    total = int(conn.execute(text(f"SELECT COUNT(*) {window}"), params).scalar_one())
    # Each output flagged is a flag in the audit log (who, before -> after), like one flagOutput: review ranks on it.
    before = conn.execute(
        text(f"SELECT name, flagged FROM io_pointers WHERE name IN (SELECT output_id {window}) ORDER BY name"), params
    ).all()
    done = conn.execute(
        text(f"UPDATE io_pointers SET flagged = :yes, flagged_ns = :now WHERE name IN (SELECT output_id {window})"),
        {**params, "yes": True, "now": time.time_ns()},
    )
    via = {"task": task, "since_ns": start_ns, "until_ns": end_ns}
    changes: list[tuple[str, object, object]] = [
        (f"pointer:{name}", {"flagged": bool(was)}, {"flagged": True, "task_window": via}) for name, was in before
    ]
    record_many(conn, actor, "flag", changes)
    return int(done.rowcount), total
