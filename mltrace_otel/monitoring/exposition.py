"""What ``GET /metrics`` reads from the store at a scrape: every task's counts, value histogram and categories."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

MAX_TASKS = 1_000
# Upper bounds of the output-value histogram buckets (+Inf is added): probabilities and scores in [0, 1] get
# tenths, larger values a 1-2.5-5 ladder.
EDGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 10_000)


@dataclass
class TaskNumbers:
    name: str
    metrics: str | None  # the registered metrics (JSON)
    outputs: int = 0
    feedback: int = 0
    # Cumulative counts per EDGES bound, the count and the sum of numeric values (None: no numeric output).
    histogram: tuple[list[int], int, float] | None = None
    categories: list[tuple[str, int]] = field(default_factory=list)


def task_numbers(engine: Engine) -> list[TaskNumbers]:
    """One statement per kind of number, for every task at once (at most MAX_TASKS tasks, by name)."""
    with engine.connect() as conn:
        tasks = {
            r[0]: TaskNumbers(r[0], r[1])
            for r in conn.execute(text("SELECT name, metrics FROM tasks ORDER BY name LIMIT :n"), {"n": MAX_TASKS})
        }
        for attr, table in (("outputs", "task_outputs"), ("feedback", "task_feedback")):
            for name, count in conn.execute(text(f"SELECT task, COUNT(*) FROM {table} GROUP BY task")):
                if name in tasks:
                    setattr(tasks[name], attr, int(count))
        buckets = ", ".join(f"SUM(CASE WHEN value <= {e!r} THEN 1 ELSE 0 END)" for e in EDGES)
        for row in conn.execute(
            text(f"SELECT task, COUNT(value), COALESCE(SUM(value), 0), {buckets} FROM task_outputs "
                 "WHERE value IS NOT NULL GROUP BY task")
        ):  # fmt: skip
            if row[0] in tasks:
                tasks[row[0]].histogram = ([int(c) for c in row[3:]], int(row[1]), float(row[2]))
        for name, label, count in conn.execute(
            text("SELECT task, label, COUNT(*) FROM task_outputs WHERE label IS NOT NULL GROUP BY task, label")
        ):
            if name in tasks:
                tasks[name].categories.append((label, int(count)))
    return list(tasks.values())


def database_latency_s(engine: Engine) -> float:
    """One ``SELECT 1`` round trip."""
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return time.perf_counter() - started
