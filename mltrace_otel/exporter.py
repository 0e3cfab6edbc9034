"""``MltraceSpanExporter``: the OTel SpanExporter that persists spans into the mltrace-otel store.

It runs on the BatchSpanProcessor's worker thread, never the caller's. The BSP ignores export results and never
retries, so this class owns retrying (bounded), counting and logging what it could not store, and it never
raises into the processor: tracing failures must not crash or block a pipeline.

A large batch is cut into chunks, each converted and stored on a small pool of threads (Postgres): converting
spans is Python work, storing them is mostly waiting on the database, so one chunk's conversion overlaps another's
transaction. A chunk is converted once, before its transaction opens; a retry writes the same rows again. Each
chunk is its own idempotent transaction and lineage does not depend on arrival order, so chunks may commit in any
order; ``export`` returns only once every chunk is committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from opentelemetry import context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import format_span_id
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mltrace_otel import semconv
from mltrace_otel.config import database_url
from mltrace_otel.store.ingest import PreparedSpans, prepare_spans, write_prepared
from mltrace_otel.store.span_record import SpanRecord, from_readable_span

log = logging.getLogger(__name__)
# Its own logger, so a pipeline can quieten staleness warnings without losing the exporter's own.
stale_log = logging.getLogger("mltrace_otel.stale")

CHUNK = 1_024


class MltraceSpanExporter(SpanExporter):
    """Stores every exported span; selectable with ``OTEL_TRACES_EXPORTER=mltrace``.

    ``database_url`` defaults to the configured store (``MLTRACE_DATABASE_URL``, ``DB_URI``, ``DB_SERVER`` or
    ``~/.mltrace/mltrace.db``); it is resolved and connected on first export, so constructing never fails.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        max_attempts: int = 3,
        retry_delay_s: float = 0.2,
        workers: int = 2,
    ) -> None:
        self.database_url = database_url
        self.max_attempts = max(1, max_attempts)
        self.retry_delay_s = retry_delay_s
        self.stored_spans = 0
        self.duplicate_spans = 0
        self.rejected_spans = 0
        self.failed_spans = 0
        self._failing = False
        self._shutdown = False
        self._workers = max(1, workers)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._counts = threading.Lock()  # chunks of one batch finish on several threads

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            return SpanExportResult.FAILURE
        with self._lock:  # one batch at a time: counters and the failure log stay consistent
            try:
                return self._export(spans)
            except Exception:  # never raise into the processor, whatever went wrong
                log.exception("mltrace-otel: unexpected error while exporting %d spans", len(spans))
                with self._counts:
                    self.failed_spans += len(spans)
                return SpanExportResult.FAILURE

    def _export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        chunks = [spans[start : start + CHUNK] for start in range(0, len(spans), CHUNK)]
        if len(chunks) == 1 or not self._parallel():
            return self._finish([self._store(chunk) for chunk in chunks])
        pool = self._executor()
        futures: list[Future[bool]] = []
        inline: list[bool] = []
        for chunk in chunks:
            try:
                futures.append(pool.submit(self._store_suppressed, chunk))
            except RuntimeError:
                # The interpreter is exiting (the final flush runs after thread pools stop taking work):
                # store on this thread instead of losing the spans.
                inline.append(self._store(chunk))
        return self._finish([f.result() for f in futures] + inline)

    def _parallel(self) -> bool:
        """Store chunks on worker threads only for Postgres: it runs them side by side in its own processes.
        SQLite takes one writer at a time and its work holds our GIL, so threads there only add switching."""
        if self._workers < 2:
            return False
        try:
            return make_url(database_url(self.database_url)).get_backend_name() == "postgresql"
        except Exception:  # a malformed address fails in _store, which reports it once
            return False

    def _finish(self, outcomes: list[bool]) -> SpanExportResult:
        return SpanExportResult.SUCCESS if all(outcomes) else SpanExportResult.FAILURE

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="mltrace-export")
        return self._pool

    def _prepare(self, spans: Sequence[ReadableSpan]) -> PreparedSpans:
        """Rows for ``spans``, converting one span at a time so each record is freed once read: a chunk's
        intermediate objects never outlive the young generation (a full collection of a big application heap,
        triggered by our garbage, would cost more than the conversion itself)."""
        return prepare_spans(self._records(spans))

    def _records(self, spans: Sequence[ReadableSpan]) -> Iterator[SpanRecord]:
        for span in spans:
            try:
                record = from_readable_span(span)
            except Exception as exc:  # a span the SDK should never produce; count it, keep the rest
                with self._counts:
                    self.rejected_spans += 1
                log.warning("mltrace-otel: could not read span %r: %s", getattr(span, "name", "?"), exc)
                continue
            yield record

    def _store_suppressed(self, spans: Sequence[ReadableSpan]) -> bool:
        # Off the BSP thread the SDK's suppression is gone: without it, an instrumented database driver would
        # trace our own inserts and feed them back into this exporter.
        token = context.attach(context.set_value(context._SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            return self._store(spans)
        finally:
            context.detach(token)

    def _store(self, spans: Sequence[ReadableSpan]) -> bool:
        from mltrace_otel.store.engine import get_engine

        try:
            batch = self._prepare(spans)
        except Exception:  # a bug in conversion: lose this chunk, not the export or the pipeline
            log.exception("mltrace-otel: could not convert %d spans for storing", len(spans))
            with self._counts:
                self.failed_spans += len(spans)
            return False
        if not batch.rows and not batch.rejected:
            return True
        last_error: Exception | None = None
        for attempt in range(self.max_attempts):
            try:
                result = write_prepared(get_engine(self.database_url), batch)
            except Exception as exc:  # database down, locked, misconfigured: retry, then count the loss
                last_error = exc
                if attempt + 1 < self.max_attempts:
                    time.sleep(self.retry_delay_s * (2**attempt))
                continue
            with self._counts:
                self.stored_spans += result.stored
                self.duplicate_spans += result.duplicates
                self.rejected_spans += len(result.rejected)
            for rejected in result.rejected[:5]:
                log.warning("mltrace-otel: rejected span %s: %s", rejected.span_id, rejected.reason)
            warn_stale(get_engine(self.database_url), _api_runs(spans, result.new_span_ids))
            if self._failing:
                self._failing = False
                log.warning("mltrace-otel: storing spans again (%d spans were lost before)", self.failed_spans)
            return True
        with self._counts:
            self.failed_spans += len(batch.rows)
            self.rejected_spans += len(batch.rejected)  # refused whatever the database's state
        if not self._failing:
            # Once per outage, not once per batch: a pipeline exporting every second would otherwise flood logs.
            self._failing = True
            log.error(
                "mltrace-otel: could not store %d spans after %d attempts (%s: %s). The pipeline keeps running; "
                "check the database address (MLTRACE_DATABASE_URL) and that the database is up.",
                len(batch.rows),
                self.max_attempts,
                type(last_error).__name__,
                str(last_error).splitlines()[0] if last_error else "",
            )
        return False

    def shutdown(self) -> None:
        self._shutdown = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def _api_runs(spans: Sequence[ReadableSpan], new_ids: list[str]) -> list[str]:
    """The newly stored spans our own tracer made: runs recorded through mltrace's API (register, Component,
    log_component_run, component_run). Plain OTel spans are not checked: they never had mltrace's warnings, and
    checking every span of a high-volume trace would cost a third of ingest throughput (measured)."""
    new = set(new_ids)
    found = []
    for span in spans:
        scope = span.instrumentation_scope
        if scope is not None and scope.name == semconv.SCOPE and span.context is not None:
            span_id = format_span_id(span.context.span_id)
            if span_id in new:
                found.append(span_id)
    return found


def warn_stale(engine: Engine, run_ids: list[str]) -> None:
    """Log a warning for each newly stored run that is stale when it is stored, as mltrace 0.17 did when it
    committed a run. One statement per 2,000 runs; never raises (the runs are stored already)."""
    if not run_ids or not stale_log.isEnabledFor(logging.WARNING):
        return
    from mltrace_otel.queries.staleness import stale_reasons

    try:
        with engine.connect() as conn:
            found = stale_reasons(conn, run_ids)
    except Exception as exc:
        log.debug("mltrace-otel: staleness of new runs not checked (%s: %s)", type(exc).__name__, exc)
        return
    for run_id, reasons in found.items():
        if reasons:
            stale_log.warning(
                "mltrace-otel: run %s is stale: %s", run_id, "; ".join(reason.reason for reason in reasons)
            )
