"""Built-in metrics registered on a task: what ``GET /metrics`` exports for it, per window."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, text

from mltrace_otel.monitoring import windows
from mltrace_otel.monitoring.write import lock_tasks


def register_metric(engine: Engine, task: str, name: str, window_s: float | None) -> None:
    """Record a built-in metric on the task (what /metrics exports); registering it again is a no-op."""
    windows.builtin_name(name)
    with engine.begin() as conn:
        lock_tasks(conn, [task], create_ns=time.time_ns())
        raw = conn.execute(text("SELECT metrics FROM tasks WHERE name = :t"), {"t": task}).scalar_one()
        current = json.loads(raw) if raw else []
        entry = {"name": name, "window_s": window_s}
        if entry not in current:
            current.append(entry)
            conn.execute(text("UPDATE tasks SET metrics = :m WHERE name = :t"), {"m": json.dumps(current), "t": task})


def registered_metrics(engine: Engine, task: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT metrics FROM tasks WHERE name = :t"), {"t": task}).scalar()
    return json.loads(raw) if raw else []
