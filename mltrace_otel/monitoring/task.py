"""mltrace's ``Task`` and ``Metric`` (loglabs/mltrace main, ``mltrace.entities``) on top of our records.

Outputs and feedback go out as log records like :func:`log_output` does; reads wait until what this process
logged is stored. ``registerMetric(..., create_view=True)`` (mltrace's default) records a built-in metric on the
task in the store, which is what ``GET /metrics`` exports; ``computeMetrics(use_views=True)`` then reads it from
the per-minute statistics, the way mltrace read its views.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from mltrace_otel.monitoring import emit, functions, reads, windows
from mltrace_otel.monitoring.functions import MLTRACE_NAMES
from mltrace_otel.monitoring.registry import register_metric

supported_sklearn_metrics = MLTRACE_NAMES


def get_metric_function(name: str) -> Callable[..., Any]:
    try:
        return functions.FUNCTIONS[name]
    except KeyError:
        raise ValueError(
            f"The metric {name} is not supported. Supported metrics are: {list(functions.FUNCTIONS)}"
        ) from None


def _check_arity(fn: Callable[..., Any]) -> None:
    if len(inspect.signature(fn).parameters) < 2:
        raise RuntimeError("The function must take at least 2 arguments: y_true, y_pred.")


class Metric:
    def __init__(self, name: str, window_size: int | None = None, fn: Callable[..., Any] | None = None) -> None:
        self.name = name
        self.window_size = window_size
        self.fn = fn if fn is not None else (functions.FUNCTIONS.get(name))
        if self.fn is None:
            raise ValueError("You must pass a supported metric name or fn yourself.")
        _check_arity(self.fn)

    def getIdentifier(self) -> str:
        return f"{self.name}_window{self.window_size}"


def _engine() -> Engine:
    from mltrace_otel.instrument import configure
    from mltrace_otel.store.engine import get_engine

    emit.flush_logs()
    return get_engine(configure.store_url())


class Task:
    def __init__(self, task_name: str) -> None:
        self.task_name = task_name
        self.metrics: list[Metric] = []

    # mltrace's camelCase API
    def registerMetric(self, metric: Metric, create_view: bool = True) -> None:
        if create_view and windows.ALIASES.get(metric.name, metric.name) in windows.BUILTIN:
            register_metric(_engine(), self.task_name, metric.name, metric.window_size)
        self.metrics.append(metric)

    def computeMetrics(self, use_views: bool = True) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for metric in self.metrics:
            if use_views and windows.ALIASES.get(metric.name, metric.name) in windows.BUILTIN:
                results[metric.getIdentifier()] = windows.compute(
                    _engine(), self.task_name, metric.name, window_s=metric.window_size
                ).value
            else:
                assert metric.fn is not None
                results[metric.getIdentifier()] = self.computeMetric(metric.fn, metric.window_size)
        return results

    def logOutput(self, output_value: Any, identifier: str) -> None:
        emit.log_output(self.task_name, output_value, identifier)

    def logOutputs(self, output_values: Sequence[Any], identifiers: Sequence[str]) -> None:
        emit.log_outputs(self.task_name, output_values, identifiers)

    def logFeedback(self, feedback_value: Any, identifier: str) -> None:
        emit.log_feedback(self.task_name, feedback_value, identifier)

    def logFeedbacks(self, feedback_values: Sequence[Any], identifiers: Sequence[str]) -> None:
        emit.log_feedbacks(self.task_name, feedback_values, identifiers)

    def _rows(self, kind: str, limit: int | None, window_size: int | None) -> list[tuple[datetime, str, Any]]:
        found = reads.rows(_engine(), self.task_name, kind, limit=limit, window_s=window_size)
        return [(datetime.fromtimestamp(r.ts_ns / 1e9, UTC), r.output_id, r.value) for r in found]

    def getOutputs(self, limit: int | None = None, window_size: int | None = None) -> list[tuple[datetime, str, Any]]:
        return self._rows("output", limit, window_size)

    def getFeedback(self, limit: int | None = None, window_size: int | None = None) -> list[tuple[datetime, str, Any]]:
        return self._rows("feedback", limit, window_size)

    def computeMetric(self, metric: Callable[..., Any] | str, window_size: int | None = None) -> Any:
        """``metric(y_true, y_pred)`` over the outputs made in the last ``window_size`` seconds that have
        feedback (all of them without a window)."""
        fn = get_metric_function(metric) if isinstance(metric, str) else metric
        _check_arity(fn)
        start = None
        if window_size is not None:
            import time

            start = time.time_ns() - int(window_size * 1e9)
        y_true, y_pred = windows.pairs(_engine(), self.task_name, start_ns=start)
        return fn(y_true, y_pred)
