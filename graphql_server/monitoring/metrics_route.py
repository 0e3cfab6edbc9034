"""``GET /metrics``: the tasks' numbers and the server's health in the Prometheus text format.

Built with ``prometheus_client`` (a custom collector reading the store at scrape time) rather than the OTel
Prometheus exporter: the numbers live in the database, shared by every replica, and the OTel SDK's instruments
can only report what this process observed; a collector answers from the store on each scrape, so any replica
gives the same task numbers. Label values are bounded: task names, metric names, windows and at most
``MAX_CATEGORIES`` categories per task, never output ids. Health counters are this process's own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graphql_server.monitoring import health
from graphql_server.otlp.auth import authorized
from mltrace_otel.monitoring import drift, windows

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Upper bounds of the output-value histogram buckets (+Inf is added): probabilities and scores in [0, 1] get
# tenths, larger values a 1-2.5-5 ladder.
EDGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 10_000)
MAX_TASKS = 1_000
MAX_CATEGORIES = 20


def _window_label(window_s: float | None) -> str:
    return "all" if window_s is None else f"{int(window_s)}s"


class TaskCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        with self.engine.connect() as conn:
            tasks = conn.execute(text("SELECT name, metrics FROM tasks ORDER BY name LIMIT :n"), {"n": MAX_TASKS}).all()
            names = {t[0] for t in tasks}
            counts: dict[str, dict[str, int]] = {
                table: {
                    str(r[0]): int(r[1])
                    for r in conn.execute(text(f"SELECT task, COUNT(*) FROM {table} GROUP BY task"))
                }
                for table in ("task_outputs", "task_feedback")
            }
            buckets = ", ".join(f"SUM(CASE WHEN value <= {e!r} THEN 1 ELSE 0 END)" for e in EDGES)
            histograms = conn.execute(
                text(f"SELECT task, COUNT(value), COALESCE(SUM(value), 0), {buckets} FROM task_outputs "
                     "WHERE value IS NOT NULL GROUP BY task")
            ).all()  # fmt: skip
            categories = conn.execute(
                text("SELECT task, label, COUNT(*) FROM task_outputs WHERE label IS NOT NULL GROUP BY task, label")
            ).all()
        outputs = CounterMetricFamily("mltrace_task_outputs", "Outputs logged per task", labels=["task"])
        feedback = CounterMetricFamily(
            "mltrace_task_feedback", "Feedback (ground truth) logged per task", labels=["task"]
        )
        for name in sorted(names):
            outputs.add_metric([name], counts["task_outputs"].get(name, 0))
            feedback.add_metric([name], counts["task_feedback"].get(name, 0))
        yield outputs
        yield feedback
        values = HistogramMetricFamily("mltrace_task_output_value", "Numeric output values per task", labels=["task"])
        for row in histograms:
            if row[0] not in names:
                continue
            cumulative = [(repr(float(e)), int(c)) for e, c in zip(EDGES, row[3:], strict=True)]
            values.add_metric([row[0]], [*cumulative, ("+Inf", int(row[1]))], float(row[2]))
        yield values
        yield self._categories(categories, names)
        metric = GaugeMetricFamily(
            "mltrace_task_metric", "A registered metric of a task over its window (NaN: no pairs yet)",
            labels=["task", "metric", "window"],
        )  # fmt: skip
        score = GaugeMetricFamily("mltrace_task_drift_score", "Drift of the last hour against the task's reference",
                                  labels=["task", "method"])  # fmt: skip
        drifted = GaugeMetricFamily("mltrace_task_drifted", "1 when the drift score is above the task's threshold",
                                    labels=["task"])  # fmt: skip
        for name, registered in tasks:
            for entry in json.loads(registered) if registered else []:
                result = windows.compute(self.engine, name, entry["name"], window_s=entry.get("window_s"))
                value = float("nan") if result.value is None else result.value
                metric.add_metric([name, entry["name"], _window_label(entry.get("window_s"))], value)
            if counts["task_outputs"].get(name):
                point = drift.current_drift(self.engine, name)
                score.add_metric([name, point.method], float("nan") if point.score is None else point.score)
                drifted.add_metric([name], 1.0 if point.drifted else 0.0)
        yield metric
        yield score
        yield drifted

    def _categories(self, rows: Sequence[Any], names: set[str]) -> Metric:
        family = CounterMetricFamily(
            "mltrace_task_output_category", f"Category outputs per task (the {MAX_CATEGORIES} most frequent, the "
            "rest as '(other)')", labels=["task", "category"],
        )  # fmt: skip
        by_task: dict[str, list[tuple[str, int]]] = {}
        for task, label, count in rows:
            if task in names:
                by_task.setdefault(task, []).append((label, int(count)))
        for task, items in sorted(by_task.items()):
            items.sort(key=lambda item: (-item[1], item[0]))
            for label, count in items[:MAX_CATEGORIES]:
                family.add_metric([task, label], count)
            rest = sum(c for _, c in items[MAX_CATEGORIES:])
            if rest:
                family.add_metric([task, "(other)"], rest)
        return family


class MomentCollector(Collector):
    """Health read at scrape time: database round-trip latency and requests waiting in the ingest receivers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        latency = GaugeMetricFamily("mltrace_database_latency_seconds", "One SELECT 1 round trip, at scrape time")
        latency.add_metric([], time.perf_counter() - started)
        yield latency
        depth = GaugeMetricFamily("mltrace_ingest_in_flight", "OTLP requests being stored now", labels=["signal"])
        totals: dict[str, int] = {}
        for slots, signal in list(health.RECEIVERS.items()):
            totals[signal] = totals.get(signal, 0) + slots.in_flight
        for signal, n in sorted(totals.items()):
            depth.add_metric([signal], n)
        yield depth


class MetricsEndpoint:
    def __init__(self, engine: Engine, token: str | None) -> None:
        self.token = token
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(TaskCollector(engine))
        self.registry.register(MomentCollector(engine))

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(health.REGISTRY)

    async def handle(self, request: Request) -> Response:
        if not authorized(request.headers.get("authorization"), self.token):
            return PlainTextResponse(
                "missing or wrong bearer token (Authorization: Bearer <MLTRACE_METRICS_TOKEN>)\n", 401,
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        try:
            body = await run_in_threadpool(self.render)
        except Exception as exc:  # the store is away: say so, Prometheus records the scrape as failed
            return PlainTextResponse(f"reading the store failed: {str(exc).splitlines()[0]}\n", 503)
        return Response(body, media_type=CONTENT_TYPE)
