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


def plant_drifted_runs(engine: Engine, *, hours: int = 3, per_hour: int = 300) -> tuple[list[str], str]:
    """A monitored model whose outputs shift in its last hour: one ``featurize`` run writes features.parquet,
    then one ``scorer`` run an hour reads it and logs ``per_hour`` scores to task "fraud-score" (mean 0, then
    mean 2 in the last hour, from T0 on the hour). Returns the scorer runs' ids, oldest first, and the
    featurize run's id; only the last scorer run's outputs fall in a drifted window."""
    import random

    from mltrace_otel.store.ingest import ingest_spans
    from tests.helpers import run_record

    rng = random.Random(21)
    feature_run = run_record("featurize", 0, 10, outputs=["features.parquet"])
    runs = [
        run_record("scorer", 100 + hour, 101 + hour, inputs=["features.parquet"], outputs=[f"scores-h{hour}.csv"])
        for hour in range(hours)
    ]
    ingest_spans(engine, [feature_run, *runs])
    rows = []
    for hour, run in enumerate(runs):
        mean = 2.0 if hour == hours - 1 else 0.0
        for i in range(per_hour):
            ts = T0 + hour * HOUR + i * (HOUR // per_hour)
            rows.append(Observation("output", "fraud-score", f"h{hour}-{i}", rng.gauss(mean, 1.0), None, ts,
                                    run.trace_id, run.span_id))  # fmt: skip
    plant(engine, rows)
    return [r.span_id for r in runs], feature_run.span_id
