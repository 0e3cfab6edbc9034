"""Reading a task's outputs and feedback, and the list of tasks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from mltrace_otel.monitoring.buckets import refresh_all

NS = 1_000_000_000


@dataclass(frozen=True)
class Row:
    ts_ns: int
    output_id: str
    value: float | str | None
    trace_id: str | None
    span_id: str | None


def rows(
    engine: Engine,
    task: str,
    kind: str,
    *,
    limit: int | None = None,
    window_s: float | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> list[Row]:
    """Outputs (kind "output") or feedback ("feedback") of ``task``, newest first; ``window_s``: the last seconds
    before now; ``start_ns``/``end_ns``: a time range (end exclusive)."""
    table = {"output": "task_outputs", "feedback": "task_feedback"}[kind]
    where = "task = :t"
    params: dict[str, Any] = {"t": task}
    if window_s is not None:
        start_ns = time.time_ns() - int(window_s * NS)
    if start_ns is not None:
        where += " AND ts_ns >= :a"
        params["a"] = start_ns
    if end_ns is not None:
        where += " AND ts_ns < :b"
        params["b"] = end_ns
    sql = f"SELECT ts_ns, output_id, value, label, trace_id, span_id FROM {table} WHERE {where} ORDER BY ts_ns DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with engine.connect() as conn:
        found = conn.execute(text(sql), params).all()
    return [Row(r[0], r[1], r[2] if r[2] is not None else r[3], r[4], r[5]) for r in found]


@dataclass(frozen=True)
class TaskSummary:
    name: str
    outputs: int
    feedback: int
    first_ns: int | None
    last_ns: int | None


def task_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT name FROM tasks ORDER BY name"))]


def summaries(engine: Engine, names: list[str] | None = None) -> list[TaskSummary]:
    """Counts and time span of each task's outputs, added up from the per-minute statistics (buckets.py): a
    fixed number of statements, reading one row per task and minute, never the outputs themselves. Feedback
    counts the values that met their output (what metrics are computed from)."""
    refresh_all(engine)
    chosen = task_names(engine) if names is None else names
    out: dict[str, dict[str, Any]] = {n: {"outputs": 0, "feedback": 0, "first": None, "last": None} for n in chosen}
    with engine.connect() as conn:
        for name, count, first, last in conn.execute(
            text("SELECT task, SUM(n), MIN(first_ns), MAX(last_ns) FROM task_output_buckets GROUP BY task")
        ):
            if name in out:
                out[name].update(outputs=int(count), first=int(first), last=int(last))
        for name, count in conn.execute(text("SELECT task, SUM(n) FROM task_metric_buckets GROUP BY task")):
            if name in out:
                out[name]["feedback"] = int(count)
    return [TaskSummary(n, v["outputs"], v["feedback"], v["first"], v["last"]) for n, v in out.items()]
