"""The server's own health, in Prometheus terms: one registry per process (a scrape reads this server's numbers).

Counters are kept by the ingest paths; gauges that depend on the moment (database latency, ingest queue depth)
are read at scrape time by :mod:`graphql_server.monitoring.metrics_route`.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from graphql_server.otlp.backpressure import IngestSlots

REGISTRY = CollectorRegistry(auto_describe=True)

SPANS = Counter(
    "mltrace_ingest_spans", "Spans received on /v1/traces, by outcome (stored, rejected)", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
LOG_RECORDS = Counter(
    "mltrace_ingest_log_records", "Outputs and feedback received on /v1/logs, by outcome (stored, rejected)",
    ["outcome"], registry=REGISTRY,
)  # fmt: skip
INGEST_SECONDS = Histogram(
    "mltrace_ingest_request_seconds", "Time to answer an OTLP ingest request (traces or logs)", ["signal"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=REGISTRY,
)  # fmt: skip
for _outcome in ("stored", "rejected"):
    SPANS.labels(_outcome)
    LOG_RECORDS.labels(_outcome)
SUBSCRIPTIONS = Gauge(
    "mltrace_subscriptions", "GraphQL subscriptions (runAdded) open on this server", registry=REGISTRY
)
# Receivers of this process (slots -> signal), for the ingest queue depth read at scrape time.
RECEIVERS: weakref.WeakKeyDictionary[IngestSlots, str] = weakref.WeakKeyDictionary()
