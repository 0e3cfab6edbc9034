"""``MltraceSpanExporter``: the store as an OTel SpanExporter, for pipelines that set up the SDK themselves.

``configure()`` does not use it: it puts :class:`~mltrace_otel.delivery.processor.StoreSpanProcessor` on the
provider, which makes each span durable as it ends. This exporter is for ``OTEL_TRACES_EXPORTER=mltrace`` (the
SDK's own configurator puts it behind a BatchSpanProcessor) or a hand-built pipeline. It hands each exported
span to the same :class:`~mltrace_otel.delivery.delivery.Delivery`: ``export`` writes the batch to the spool
and returns SUCCESS once it is durable there, and a background thread stores it, retrying for as long as the
store is away. What waits in the SDK's own queue before ``export`` is called is as safe as that queue (memory).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from sqlalchemy import Engine

from mltrace_otel.config import durability as resolve_durability
from mltrace_otel.delivery.delivery import Delivery
from mltrace_otel.delivery.processor import ExitBudget
from mltrace_otel.delivery.status import ExportStatus

log = logging.getLogger(__name__)
# Its own logger, so a pipeline can quieten staleness warnings without losing the exporter's own.
stale_log = logging.getLogger("mltrace_otel.stale")


class MltraceSpanExporter(SpanExporter):
    """Stores every exported span; selectable with ``OTEL_TRACES_EXPORTER=mltrace``.

    ``database_url`` defaults to the configured store (``MLTRACE_DATABASE_URL``, ``DB_URI``, ``DB_SERVER`` or
    ``~/.mltrace/mltrace.db``) and ``durability`` to ``MLTRACE_DURABILITY`` (``spool``); both are resolved on the
    first export, so constructing never fails.
    """

    def __init__(self, database_url: str | None = None, *, durability: str | None = None) -> None:
        self.database_url = database_url
        self.durability = durability
        self._delivery: Delivery | None = None
        self._lock = threading.Lock()
        self._shutdown = False

    def _get(self) -> Delivery:
        with self._lock:
            if self._delivery is None:
                self._delivery = Delivery(self.database_url, resolve_durability(self.durability))
                self._delivery.start()
            return self._delivery

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """SUCCESS once every span is durable in the spool (or queued, with durability="memory")."""
        if self._shutdown:
            return SpanExportResult.FAILURE
        try:
            delivery = self._get()
        except Exception:  # a malformed address: say so, never raise into the SDK's worker
            log.exception("mltrace-otel: cannot export %d spans", len(spans))
            return SpanExportResult.FAILURE
        for span in spans:
            delivery.append(span)
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """True once every span exported so far is in the store (see ``mltrace_otel.flush``)."""
        delivery = self._delivery
        return True if delivery is None else delivery.flush(timeout_millis / 1000)

    def shutdown(self) -> None:
        self._shutdown = True
        if self._delivery is not None:
            self._delivery.close(ExitBudget.remaining())

    def status(self) -> ExportStatus | None:
        """What became of the spans exported so far (None before the first export)."""
        return self._delivery.status() if self._delivery is not None else None


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
