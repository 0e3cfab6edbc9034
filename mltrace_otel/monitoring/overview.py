"""The task list: each task's counts and the drift of its latest hour of outputs, worst drift first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from mltrace_otel.monitoring import drift, reads
from mltrace_otel.monitoring.latest_drift import latest_drifts


@dataclass(frozen=True)
class TaskRow:
    name: str
    outputs: int
    feedback: int
    first_ns: int | None
    last_ns: int | None
    drift: drift.DriftPoint | None  # the window ending with the task's newest output (None: no outputs)


def _order(row: TaskRow) -> tuple[int, float, str]:
    point = row.drift
    drifted = 0 if point is not None and point.drifted else 1
    score = -(point.score or 0.0) if point is not None and point.score is not None else 1.0
    return drifted, score, row.name


def task_rows(engine: Engine, *, window_s: float = drift.DEFAULT_WINDOW_S) -> list[TaskRow]:
    """Every task, drifted ones first (highest score first), then the rest by score and name: a fixed number of
    statements, whatever the number of tasks."""
    summaries = reads.summaries(engine)
    points = latest_drifts(engine, {s.name: s.last_ns for s in summaries if s.last_ns}, window_s=window_s)
    rows = [TaskRow(s.name, s.outputs, s.feedback, s.first_ns, s.last_ns, points.get(s.name)) for s in summaries]
    return sorted(rows, key=_order)
