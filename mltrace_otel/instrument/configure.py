"""``configure``: store the runs of this process, durably, through our processor on the app's TracerProvider."""

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

from mltrace_otel.config import ConfigError, exit_timeout_s
from mltrace_otel.config import database_url as resolve_database_url
from mltrace_otel.config import durability as resolve_durability
from mltrace_otel.delivery.delivery import Delivery
from mltrace_otel.delivery.processor import ExitBudget, StoreSpanProcessor
from mltrace_otel.delivery.status import ExportStatus

log = logging.getLogger(__name__)

# Other exporters (Jaeger, a Collector) ride on the SDK's BatchSpanProcessor, one each.
MAX_QUEUE_SIZE = 65_536
MAX_EXPORT_BATCH = 4_096
SCHEDULE_DELAY_MS = 500


@dataclass
class _State:
    provider: TracerProvider
    processor: StoreSpanProcessor
    processors: list[SpanProcessor] = field(default_factory=list)
    extra_exporters: list[SpanExporter] = field(default_factory=list)
    explicit_url: str | None = None


_state: _State | None = None
_lock = threading.RLock()
_config_error_logged = False


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
    durability: str | None = None,
) -> TracerProvider:
    """Store component runs in ``database_url`` (default: the configured store) and return the provider.

    ``durability="spool"`` (the default, or ``MLTRACE_DURABILITY``): each span is written to a local spool
    (``$MLTRACE_HOME/spool``) before ``span.end()`` returns, then stored by a background thread; it survives
    the store being down for any time and the process being killed, and any later process using the same store
    stores what was left. ``durability="memory"``: spans wait in a bounded in-memory queue instead (no disk
    work per span; a killed process loses them, a full queue drops the oldest, and both are counted).

    Joins the application's SDK TracerProvider when one is installed, else installs one. Safe to call again:
    a new ``database_url`` or ``durability`` re-points the store (pending spans are flushed first); new exporters
    are added beside ours, each behind its own BatchSpanProcessor so a slow backend never delays the store.
    ``otlp_endpoint`` (e.g. ``http://collector:4318``) sends the same spans to any OTLP/HTTP backend as well.
    ``openlineage_url`` (default: ``OPENLINEAGE_URL``, when set) also sends runs as OpenLineage events.
    """
    global _state
    url = resolve_database_url(database_url) if database_url else None
    mode = resolve_durability(durability)
    extra = list(exporters)
    if otlp_endpoint:
        extra.append(_otlp_exporter(otlp_endpoint))
    if openlineage_url or _state is None:
        extra.extend(_openlineage_exporters(openlineage_url))
    with _lock:
        if _state is None:
            provider = _provider(service_name)
            delivery = Delivery(url, mode)
            processor = StoreSpanProcessor(delivery)
            provider.add_span_processor(processor)
            _state = _State(provider=provider, processor=processor, processors=[processor], explicit_url=url)
            atexit.register(_at_exit)
            delivery.start()  # stores what earlier processes left in this store's spool
        else:
            current = _state.processor.delivery
            new_url = url or current.url
            if new_url != current.url or (durability is not None and mode != current.durability):
                replacement = Delivery(new_url, mode if durability is not None else current.durability)
                current.flush(exit_timeout_s())
                _state.processor.delivery = replacement
                current.close(exit_timeout_s())
                replacement.start()
            if url:
                _state.explicit_url = url
        for other in extra:
            if other not in _state.extra_exporters:
                batch = _batch(other)
                _state.provider.add_span_processor(batch)
                _state.processors.append(batch)
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
    """Configure with defaults on first use, so ``@register`` works with no set-up, as in mltrace. A malformed
    store address in the environment is logged (once) instead of raised: the pipeline runs on, unrecorded."""
    global _config_error_logged
    if _state is not None:
        return
    try:
        configure()
    except ConfigError as exc:
        if not _config_error_logged:
            _config_error_logged = True
            log.error("mltrace-otel: runs are not recorded: %s", exc)


def is_configured() -> bool:
    return _state is not None


def store_url() -> str:
    """The database our processor writes to (what reads in this process should read)."""
    if _state is not None:
        return _state.processor.delivery.url
    return resolve_database_url()


def delivery() -> Delivery | None:
    return _state.processor.delivery if _state else None


def export_status() -> ExportStatus:
    """What became of this process's spans: stored, waiting (spooled), rejected with reasons, and more."""
    state = _state
    if state is None:
        return ExportStatus(
            durability="", store="", state="not configured", stored=0, duplicates=0, spooled=0, rejected=0,
            conflicts=0, dropped=0, adopted=0, oldest_unsent_age_s=None, last_error=None, reasons=(), spool_dir=None,
        )  # fmt: skip
    return state.processor.delivery.status()


def flush(timeout_millis: int = 30_000) -> bool:
    """Wait (at most ``timeout_millis``) until every span this process ended before the call is *in the store*.

    True only then. False when the time ran out (the spans wait on: with durability="spool" they are already
    durable in the spool, and will be stored once the store takes them), or when any span of this process was
    rejected, conflicted with a stored one, or dropped: :func:`export_status` says which and why. Extra exporters
    (``exporters=``, ``otlp_endpoint=``) are flushed too. Outputs and feedback (``log_output`` and the rest) go
    the same way as spans and are waited for alike, and so are the log exporters added with ``add_log_exporter``.
    """
    state = _state
    emit = sys.modules.get("mltrace_otel.monitoring.emit")  # never imported: nothing logged, nothing to flush
    logs_done = True if emit is None else emit.flush_extra_exporters(timeout_millis)
    if state is None:
        return logs_done
    return all([p.force_flush(timeout_millis) for p in state.processors]) and logs_done


def flush_in_worker_process() -> None:
    """Store the runs just ended when this is a ``multiprocessing`` worker, else do nothing (the usual case).

    Workers end with ``os._exit`` and ``Pool.__exit__`` even terminates them, so exit handlers never run there.
    Their spans are already durable in the spool (any process using the store would drain them later), but a
    caller expects a worker's runs in the store when its task returns, as they were: wait for them, bounded.
    """
    mp = sys.modules.get("multiprocessing")  # never imported: not a worker, and no import cost
    if mp is not None and mp.parent_process() is not None:
        current = delivery()
        # While the store is away, waiting would only slow the worker down: its runs are safe in the spool.
        flush(0 if current is not None and current.store_failing() else int(exit_timeout_s() * 1000))


def _at_exit() -> None:
    """Store what this process holds for at most MLTRACE_EXIT_TIMEOUT_S (the SDK's own exit handler, which runs
    after this one and shuts every processor down, finds ours done). Extra exporters are the SDK's to flush."""
    ExitBudget.begin()
    state = _state
    if state is not None:
        state.processor.shutdown()


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
