"""Planted scenarios: outputs and feedback with chosen timestamps, stored through the ingest function."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from mltrace_otel.monitoring.events import Observation
from mltrace_otel.monitoring.write import store_observations

NS = 1_000_000_000
HOUR = 3600 * NS
DAY = 24 * HOUR
# A fixed origin (2026-01-01 00:00 UTC): windows are aligned to the minute, so results never depend on the clock.
T0 = 1_767_225_600 * NS


def obs(kind: str, task: str, output_id: str, value: Any, ts_ns: int) -> Observation:
    if isinstance(value, str):
        return Observation(kind, task, output_id, None, value, ts_ns, None, None)
    return Observation(kind, task, output_id, float(value), None, ts_ns, None, None)


def plant(engine: Engine, rows: Iterable[Observation]) -> None:
    store_observations(engine, list(rows))
