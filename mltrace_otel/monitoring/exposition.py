"""What ``GET /metrics`` reads from the store at a scrape: every task's counts, value histogram, categories,
registered metrics and latest drift.

All of it is added up from the per-minute statistics that ingest keeps current (buckets.py), in a fixed number
of statements for all tasks: a scrape reads one row per task and minute (and per category), never the stored
outputs, so its cost does not grow with them. The drift reads the outputs of the two windows it compares
(latest_drift.py); a registered ROC AUC reads its window's pairs (a rank statistic has no per-minute sums).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from mltrace_otel.monitoring import windows
from mltrace_otel.monitoring.buckets import EDGES, HISTOGRAM, refresh_all
from mltrace_otel.monitoring.drift import DriftPoint
from mltrace_otel.monitoring.latest_drift import latest_drifts

__all__ = ["EDGES", "MAX_TASKS", "TaskNumbers", "database_latency_s", "task_numbers"]

MAX_TASKS = 1_000


@dataclass
class TaskNumbers:
    name: str
    outputs: int = 0
    feedback: int = 0  # feedback that met its output
    # Cumulative counts per EDGES bound, the count and the sum of numeric values (None: no numeric output).
    histogram: tuple[list[int], int, float] | None = None
    categories: list[tuple[str, int]] = field(default_factory=list)
    metrics: list[tuple[str, float | None, windows.MetricValue]] = field(default_factory=list)  # name, window_s
    drift: DriftPoint | None = None  # the last hour against the reference (None: no output)


def task_numbers(engine: Engine, *, now_ns: int | None = None) -> list[TaskNumbers]:
    """Every task's numbers (at most MAX_TASKS tasks, by name), as of ``now_ns`` (default now)."""
    now = time.time_ns() if now_ns is None else now_ns
    refresh_all(engine)
    with engine.connect() as conn:
        registered = {
            r[0]: json.loads(r[1]) if r[1] else []
            for r in conn.execute(text("SELECT name, metrics FROM tasks ORDER BY name LIMIT :n"), {"n": MAX_TASKS})
        }
        tasks = {name: TaskNumbers(name) for name in registered}
        histogram = ", ".join(f"SUM({c})" for c in HISTOGRAM)
        for row in conn.execute(
            text(f"SELECT task, SUM(n), SUM(n_value), SUM(sum_value), {histogram} FROM task_output_buckets "
                 "GROUP BY task")
        ):  # fmt: skip
            if row[0] in tasks:
                tasks[row[0]].outputs = int(row[1])
                if row[2]:
                    tasks[row[0]].histogram = ([int(c) for c in row[4:]], int(row[2]), float(row[3]))
        for name, count in conn.execute(text("SELECT task, SUM(n) FROM task_metric_buckets GROUP BY task")):
            if name in tasks:
                tasks[name].feedback = int(count)
        for name, label, count in conn.execute(
            text("SELECT task, label, SUM(n) FROM task_label_buckets GROUP BY task, label")
        ):
            if name in tasks:
                tasks[name].categories.append((label, int(count)))
    wanted = [(t, e["name"], e.get("window_s")) for t, entries in registered.items() for e in entries]
    for (task, name, window_s), value in zip(wanted, windows.compute_many(engine, wanted, end_ns=now), strict=True):
        tasks[task].metrics.append((name, window_s, value))
    for task, point in latest_drifts(engine, {t.name: now for t in tasks.values() if t.outputs}).items():
        tasks[task].drift = point
    return list(tasks.values())


def database_latency_s(engine: Engine) -> float:
    """One ``SELECT 1`` round trip."""
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return time.perf_counter() - started
