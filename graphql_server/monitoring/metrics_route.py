"""``GET /metrics``: the tasks' numbers and the server's health in the Prometheus text format.

Built with ``prometheus_client`` (a custom collector reading the store at scrape time) rather than the OTel
Prometheus exporter: the numbers live in the database, shared by every replica, and the OTel SDK's instruments
can only report what this process observed; a collector answers from the store on each scrape, so any replica
gives the same task numbers. Label values are bounded: task names, metric names, windows and at most
``MAX_CATEGORIES`` categories per task, never output ids. Health counters are this process's own.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from graphql_server.auth.gate import Gate, bearer
from graphql_server.auth.principal import Principal
from graphql_server.monitoring import health
from mltrace_otel.monitoring.exposition import EDGES, database_latency_s, task_numbers
from mltrace_otel.queries.scopes import Scope

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MAX_CATEGORIES = 20


def _window_label(window_s: float | None) -> str:
    return "all" if window_s is None else f"{int(window_s)}s"


class TaskCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        tasks = task_numbers(self.engine)
        outputs = CounterMetricFamily("mltrace_task_outputs", "Outputs logged per task", labels=["task"])
        feedback = CounterMetricFamily(
            "mltrace_task_feedback", "Feedback (ground truth) logged per task", labels=["task"]
        )
        values = HistogramMetricFamily("mltrace_task_output_value", "Numeric output values per task", labels=["task"])
        categories = CounterMetricFamily(
            "mltrace_task_output_category", f"Category outputs per task (the {MAX_CATEGORIES} most frequent, the "
            "rest as '(other)')", labels=["task", "category"],
        )  # fmt: skip
        metric = GaugeMetricFamily(
            "mltrace_task_metric", "A registered metric of a task over its window (NaN: no pairs yet)",
            labels=["task", "metric", "window"],
        )  # fmt: skip
        score = GaugeMetricFamily("mltrace_task_drift_score", "Drift of the last hour against the task's reference",
                                  labels=["task", "method"])  # fmt: skip
        drifted = GaugeMetricFamily("mltrace_task_drifted", "1 when the drift score is above the task's threshold",
                                    labels=["task"])  # fmt: skip
        for t in tasks:
            outputs.add_metric([t.name], t.outputs)
            feedback.add_metric([t.name], t.feedback)
            if t.histogram is not None:
                counts, total, value_sum = t.histogram
                cumulative = [(repr(float(e)), c) for e, c in zip(EDGES, counts, strict=True)]
                values.add_metric([t.name], [*cumulative, ("+Inf", total)], value_sum)
            ranked = sorted(t.categories, key=lambda item: (-item[1], item[0]))
            for label, count in ranked[:MAX_CATEGORIES]:
                categories.add_metric([t.name, label], count)
            rest = sum(c for _, c in ranked[MAX_CATEGORIES:])
            if rest:
                categories.add_metric([t.name, "(other)"], rest)
            for name, window_s, result in t.metrics:
                value = float("nan") if result.value is None else result.value
                metric.add_metric([t.name, name, _window_label(window_s)], value)
            if t.drift is not None:
                point = t.drift
                score.add_metric([t.name, point.method], float("nan") if point.score is None else point.score)
                drifted.add_metric([t.name], 1.0 if point.drifted else 0.0)
        yield from (outputs, feedback, values, categories, metric, score, drifted)


class MomentCollector(Collector):
    """Health read at scrape time: database round-trip latency and requests waiting in the ingest receivers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        latency = GaugeMetricFamily("mltrace_database_latency_seconds", "One SELECT 1 round trip, at scrape time")
        latency.add_metric([], database_latency_s(self.engine))
        yield latency
        depth = GaugeMetricFamily("mltrace_ingest_in_flight", "OTLP requests being stored now", labels=["signal"])
        totals: dict[str, int] = {}
        for slots, signal in list(health.RECEIVERS.items()):
            totals[signal] = totals.get(signal, 0) + slots.in_flight
        for signal, n in sorted(totals.items()):
            depth.add_metric([signal], n)
        yield depth


class MetricsEndpoint:
    def __init__(self, engine: Engine, token: str | None, gate: Gate) -> None:
        self.token = token
        self.gate = gate
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(TaskCollector(engine))
        self.registry.register(MomentCollector(engine))

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(health.REGISTRY)

    async def _refusal(self, request: Request) -> int | None:
        """None when the scrape may go on, else its status: its own scrape token (MLTRACE_METRICS_TOKEN), else
        whoever the gate lets read (anyone with auth off); 401 without a usable credential, 403 for a key that
        lacks the read scope."""
        secret = bearer(request.headers)
        if self.token is not None and secret is not None and hmac.compare_digest(secret.encode(), self.token.encode()):
            return None
        if self.token is not None and not self.gate.keys_mode:
            return 401
        found = await self.gate.identify(request.headers)
        if not isinstance(found, Principal):
            return 401
        return None if found.allows(Scope.READ) else 403

    async def handle(self, request: Request) -> Response:
        refused = await self._refusal(request)
        if refused is not None:
            return PlainTextResponse(
                "a scrape needs Authorization: Bearer <MLTRACE_METRICS_TOKEN> or an API key with the read scope\n",
                refused, headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        try:
            body = await run_in_threadpool(self.render)
        except Exception:  # the store is away: say so, Prometheus records the scrape as failed
            # The driver's text (host, port, user) goes to the log, not to whoever scrapes.
            log.exception("GET /metrics: reading the store failed")
            return PlainTextResponse("reading the store failed (the server's log says why)\n", 503)
        return Response(body, media_type=CONTENT_TYPE)
