"""``configure``: put our exporter behind a BatchSpanProcessor on the app's TracerProvider (or a new one)."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from mltrace_otel.config import database_url as resolve_database_url
from mltrace_otel.exporter import MltraceSpanExporter

log = logging.getLogger(__name__)

# A pipeline can end many runs in a burst; the BSP drops the *oldest* spans when its queue is full, so give it
# room. Memory stays bounded (one finished span is a few KB).
MAX_QUEUE_SIZE = 65_536
MAX_EXPORT_BATCH = 4_096
SCHEDULE_DELAY_MS = 500


@dataclass
class _State:
    provider: TracerProvider
    exporter: MltraceSpanExporter
    processors: list[SpanProcessor] = field(default_factory=list)
    extra_exporters: list[SpanExporter] = field(default_factory=list)


_state: _State | None = None
_lock = threading.RLock()


def _batch(exporter: SpanExporter) -> BatchSpanProcessor:
    return BatchSpanProcessor(
        exporter,
        max_queue_size=MAX_QUEUE_SIZE,
        max_export_batch_size=MAX_EXPORT_BATCH,
        schedule_delay_millis=SCHEDULE_DELAY_MS,
    )


def _otlp_exporter(endpoint: str) -> SpanExporter:
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("otlp_endpoint needs the OTLP exporter: pip install 'mltrace-otel[otlp]'") from exc
    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    return OTLPSpanExporter(endpoint=url)


def configure(
    database_url: str | None = None,
    *,
    service_name: str | None = None,
    exporters: Iterable[SpanExporter] = (),
    otlp_endpoint: str | None = None,
    openlineage_url: str | None = None,
) -> TracerProvider:
    """Store component runs in ``database_url`` (default: the configured store) and return the provider.

    Joins the application's SDK TracerProvider when one is installed, else installs one. Safe to call again:
    a new ``database_url`` re-points the store (pending spans are flushed first); new exporters are added
    beside ours, each behind its own BatchSpanProcessor so a slow backend never delays the store.
    ``otlp_endpoint`` (e.g. ``http://collector:4318``) sends the same spans to any OTLP/HTTP backend as well.
    ``openlineage_url`` (default: ``OPENLINEAGE_URL``, when set) also sends runs as OpenLineage events.
    """
    global _state
    url = resolve_database_url(database_url) if database_url else None
    extra = list(exporters)
    if otlp_endpoint:
        extra.append(_otlp_exporter(otlp_endpoint))
    if openlineage_url or _state is None:
        extra.extend(_openlineage_exporters(openlineage_url))
    with _lock:
        if _state is None:
            provider = _provider(service_name)
            exporter = MltraceSpanExporter(url)
            processor = _batch(exporter)
            provider.add_span_processor(processor)
            _state = _State(provider=provider, exporter=exporter, processors=[processor])
            atexit.register(flush)
        elif url and url != _state.exporter.database_url:
            flush()
            _state.exporter.database_url = url
        for other in extra:
            if other not in _state.extra_exporters:
                processor = _batch(other)
                _state.provider.add_span_processor(processor)
                _state.processors.append(processor)
                _state.extra_exporters.append(other)
        return _state.provider


def _openlineage_exporters(url: str | None) -> list[SpanExporter]:
    from mltrace_otel.openlineage.emit import exporter_from_env

    found = exporter_from_env(url)
    return [found] if found is not None else []


def _provider(service_name: str | None) -> TracerProvider:
    """The application's SDK TracerProvider, or a new one installed as the global provider."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        if service_name:
            log.info("mltrace-otel: joining the existing TracerProvider; its resource keeps its service.name")
        return current
    attributes = {"service.name": service_name} if service_name else {}
    provider = TracerProvider(resource=Resource.create(attributes))
    trace.set_tracer_provider(provider)
    # Someone else may have won a race to set it: use whichever provider is global now.
    winner = trace.get_tracer_provider()
    return winner if isinstance(winner, TracerProvider) else provider


def ensure_configured() -> None:
    """Configure with defaults on first use, so ``@register`` works with no set-up, as in mltrace."""
    if _state is None:
        configure()


def is_configured() -> bool:
    return _state is not None


def store_url() -> str:
    """The database our exporter writes to (what reads in this process should read)."""
    if _state is not None and _state.exporter.database_url:
        return _state.exporter.database_url
    return resolve_database_url()


def exporter() -> MltraceSpanExporter | None:
    return _state.exporter if _state else None


def flush(timeout_millis: int = 30_000) -> bool:
    """Force every pending span out to the store (and the other exporters). True when all processors finished."""
    state = _state
    if state is None:
        return True
    return all(p.force_flush(timeout_millis) for p in state.processors)


def flush_in_worker_process() -> None:
    """Store the runs just ended when this is a ``multiprocessing`` worker, else do nothing (the usual case).

    Workers end with ``os._exit`` and ``Pool.__exit__`` even terminates them, so exit handlers never run there:
    a run left in the queue would be lost. Their runs are stored as they end instead (one transaction each).
    """
    mp = sys.modules.get("multiprocessing")  # never imported: not a worker, and no import cost
    if mp is not None and mp.parent_process() is not None:
        flush()


def shutdown() -> None:
    """Flush and stop our processors; ``configure`` may be called again afterwards (tests, notebooks)."""
    global _state
    with _lock:
        state, _state = _state, None
    if state is None:
        return
    for processor in state.processors:
        processor.shutdown()
    # The SDK keeps processors it was given; drop ours so a later configure() does not export twice.
    multi = state.provider._active_span_processor  # no public removal API in the SDK
    multi._span_processors = tuple(p for p in multi._span_processors if p not in state.processors)
