"""A monitored task: its outputs and feedback, metrics over windows, output distribution and drift."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from graphql_server.context import Info
from mltrace_otel.monitoring import drift, reads, windows
from mltrace_otel.monitoring.overview import TaskRow
from mltrace_otel.monitoring.registry import registered_metrics
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import datetime_to_ns

MAX_VALUES = 1_000
MAX_STEPS = 2_000


def _dt(ns: int | None) -> datetime | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, UTC)


def _ns(value: datetime | None, default: int | None = None) -> int | None:
    return default if value is None else datetime_to_ns(value)


def _engine(info: Info) -> Engine:
    return info.context.db.engine


def _steps(start: int, end: int, step_s: float) -> None:
    if step_s <= 0:
        raise InvalidArgument("stepSeconds must be positive")
    if end <= start:
        raise InvalidArgument("until must be after since")
    if (end - start) / (step_s * 1e9) > MAX_STEPS:
        raise InvalidArgument(f"at most {MAX_STEPS} steps per query: widen stepSeconds or narrow since/until")


@strawberry.type(description="One output or feedback value.")
class TaskValue:
    output_id: str
    value: float | None = strawberry.field(description="A number (null for a category).")
    label: str | None = strawberry.field(description="A category (null for a number).")
    at: datetime
    run_id: strawberry.ID | None = strawberry.field(description="The run whose context it was logged in.")
    trace_id: str | None

    @classmethod
    def from_row(cls, row: reads.Row) -> TaskValue:
        number = row.value if isinstance(row.value, float) else None
        label = row.value if isinstance(row.value, str) else None
        at = _dt(row.ts_ns) or datetime.now(UTC)
        run = strawberry.ID(row.span_id) if row.span_id else None
        return cls(output_id=row.output_id, value=number, label=label, at=at, run_id=run, trace_id=row.trace_id)


@strawberry.type(description="A metric over one window of outputs (by when they were made).")
class MetricValue:
    metric: str
    value: float | None = strawberry.field(description="Null when the window holds no (output, feedback) pair.")
    pairs: int
    start: datetime | None
    end: datetime | None

    @classmethod
    def of(cls, v: windows.MetricValue) -> MetricValue:
        return cls(metric=v.metric, value=v.value, pairs=v.pairs, start=_dt(v.start_ns), end=_dt(v.end_ns))


@strawberry.type
class DistributionBucket:
    start: datetime
    counts: list[int] = strawberry.field(description="Per bin (numbers) or per category, in the order given.")


@strawberry.type(description="Output counts per time bucket: numeric bins (upper edges) or categories.")
class Distribution:
    numeric: bool
    edges: list[float] = strawberry.field(description="Upper bounds of the bins; the last bin is above them all.")
    categories: list[str]
    buckets: list[DistributionBucket]


@strawberry.type(description="Drift of one window of outputs against the task's reference.")
class DriftPoint:
    start: datetime
    end: datetime
    score: float | None = strawberry.field(description="Null when the window or the reference has no outputs.")
    method: str = strawberry.field(description="psi (numbers) or js (Jensen-Shannon, categories).")
    threshold: float
    drifted: bool
    count: int

    @classmethod
    def of(cls, p: drift.DriftPoint) -> DriftPoint:
        start, end = _dt(p.start_ns), _dt(p.end_ns)
        assert start is not None and end is not None
        return cls(start=start, end=end, score=p.score, method=p.method, threshold=p.threshold, drifted=p.drifted,
                   count=p.count)  # fmt: skip


@strawberry.type
class RegisteredMetric:
    name: str
    window_seconds: float | None


@strawberry.type(description="A monitored task: what a component outputs, the feedback on it, metrics and drift.")
class Task:
    name: str
    output_count: int
    feedback_count: int
    first_output_at: datetime | None
    last_output_at: datetime | None
    latest_drift: DriftPoint | None = strawberry.field(
        description="Drift of the hour ending with the task's newest output."
    )

    @classmethod
    def from_row(cls, row: TaskRow) -> Task:
        return cls(
            name=row.name, output_count=row.outputs, feedback_count=row.feedback, first_output_at=_dt(row.first_ns),
            last_output_at=_dt(row.last_ns), latest_drift=DriftPoint.of(row.drift) if row.drift else None,
        )  # fmt: skip

    @strawberry.field(description="The newest outputs (at most 1,000), of a time range when since/until are given.")
    async def outputs(
        self, info: Info, last: int = 50, since: datetime | None = None, until: datetime | None = None
    ) -> list[TaskValue]:
        found = await run_in_threadpool(
            lambda: reads.rows(
                _engine(info), self.name, "output", limit=max(0, min(last, MAX_VALUES)), start_ns=_ns(since),
                end_ns=_ns(until),
            )
        )  # fmt: skip
        return [TaskValue.from_row(r) for r in found]

    @strawberry.field(description="The newest feedback values (at most 1,000).")
    async def feedback(self, info: Info, last: int = 50) -> list[TaskValue]:
        found = await run_in_threadpool(
            reads.rows, _engine(info), self.name, "feedback", limit=max(0, min(last, MAX_VALUES))
        )
        return [TaskValue.from_row(r) for r in found]

    @strawberry.field(description="Built-in metrics registered on the task (what /metrics exports).")
    async def registered_metrics(self, info: Info) -> list[RegisteredMetric]:
        found = await run_in_threadpool(registered_metrics, _engine(info), self.name)
        return [RegisteredMetric(name=m["name"], window_seconds=m.get("window_s")) for m in found]

    @strawberry.field(description="A built-in metric over the last windowSeconds before `at` (default now), over the "
                      "newest lastN outputs with feedback, or over everything.")  # fmt: skip
    async def metric(
        self, info: Info, name: str, window_seconds: float | None = None, last_n: int | None = None,
        at: datetime | None = None,
    ) -> MetricValue:  # fmt: skip
        value = await run_in_threadpool(_compute, _engine(info), self.name, name, window_seconds, last_n, _ns(at))
        return MetricValue.of(value)

    @strawberry.field(description="A built-in metric per window of stepSeconds from since to until (default now).")
    async def metrics(
        self, info: Info, name: str, since: datetime, until: datetime | None = None, step_seconds: float = 3600
    ) -> list[MetricValue]:
        start, end = _ns(since), _ns(until, _now())
        assert start is not None and end is not None
        _steps(start, end, step_seconds)
        found = await run_in_threadpool(_series, _engine(info), self.name, name, start, end, step_seconds)
        return [MetricValue.of(v) for v in found]

    @strawberry.field(description="Output counts per bucket of stepSeconds (histogram bins or categories).")
    async def distribution(
        self, info: Info, since: datetime, until: datetime | None = None, step_seconds: float = 3600
    ) -> Distribution:
        start, end = _ns(since), _ns(until, _now())
        assert start is not None and end is not None
        _steps(start, end, step_seconds)
        d = await run_in_threadpool(
            lambda: drift.distribution(_engine(info), self.name, start_ns=start, end_ns=end, step_s=step_seconds)
        )
        buckets = [DistributionBucket(start=_dt(s), counts=c) for s, c in zip(d.starts_ns, d.counts, strict=True)]  # type: ignore[arg-type]
        return Distribution(numeric=d.numeric, edges=d.edges, categories=d.categories, buckets=buckets)

    @strawberry.field(description="Drift of each window of windowSeconds from since to until against the reference "
                      "(the task's fixed window, else the window before).")  # fmt: skip
    async def drift(
        self, info: Info, since: datetime, until: datetime | None = None, window_seconds: float = 3600
    ) -> list[DriftPoint]:
        start, end = _ns(since), _ns(until, _now())
        assert start is not None and end is not None
        _steps(start, end, window_seconds)
        points = await run_in_threadpool(
            lambda: drift.drift_series(_engine(info), self.name, start_ns=start, end_ns=end, window_s=window_seconds)
        )
        return [DriftPoint.of(p) for p in points]


def _now() -> int:
    import time

    return time.time_ns()


def _compute(
    engine: Engine, task: str, name: str, window_s: float | None, last_n: int | None, at: int | None
) -> windows.MetricValue:
    try:
        return windows.compute(engine, task, name, window_s=window_s, last_n=last_n, end_ns=at)
    except windows.UnknownMetric as exc:
        raise InvalidArgument(str(exc)) from None


def _series(engine: Engine, task: str, name: str, start: int, end: int, step_s: float) -> list[Any]:
    try:
        return windows.series(engine, task, name, start_ns=start, end_ns=end, step_s=step_s)
    except windows.UnknownMetric as exc:
        raise InvalidArgument(str(exc)) from None
