"""``log_output`` / ``log_feedback``: outputs and ground truth as OTel log records, stored off the caller's thread.

The records go through the OTel logs SDK (our own LoggerProvider, so an application's logging setup is left
alone) into a BatchLogRecordProcessor whose exporter stores them in the same database as the runs. The caller
pays for building one record: a batch of a million predictions is *one* record (``log_outputs``), whose lists are
copied (in C) and handed over; validation and storage happen on the processor's thread. Extra exporters (an
``OTLPLogExporter`` pointed at an mltrace-otel server or a Collector) can be added with :func:`add_log_exporter`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.resources import Resource

from mltrace_otel.monitoring.events import (
    FEEDBACK_EVENT,
    OUTPUT_EVENT,
    OUTPUT_ID,
    OUTPUT_IDS,
    TASK,
    VALUES,
    BadRecord,
    Observation,
    check_output_id,
    check_task,
    event_kind,
    observations,
    split_value,
)

log = logging.getLogger(__name__)

_QUEUE = 65_536
_BATCH = 512
_DELAY_MS = 200


class StoreLogRecordExporter(LogRecordExporter):
    """Stores our log records (outputs and feedback) in the configured store; other records are ignored."""

    def __init__(self) -> None:
        self.stored = 0
        self.refused: list[str] = []
        self.failed = 0

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        from mltrace_otel.instrument import configure
        from mltrace_otel.monitoring.write import store_observations
        from mltrace_otel.store.engine import get_engine

        rows: list[Observation] = []
        for readable in batch:
            rows.extend(self._rows(readable))
        try:
            store_observations(get_engine(configure.store_url()), rows)
        except Exception:
            self.failed += len(rows)
            log.exception("mltrace-otel: storing %d outputs/feedback failed", len(rows))
            return LogRecordExportResult.FAILURE
        self.stored += len(rows)
        return LogRecordExportResult.SUCCESS

    def _rows(self, readable: ReadableLogRecord) -> list[Observation]:
        record = readable.log_record
        attributes = dict(record.attributes or {})
        kind = event_kind(record.event_name, attributes)
        if kind is None:
            return []
        trace_id = f"{record.trace_id:032x}" if record.trace_id else None
        span_id = f"{record.span_id:016x}" if record.span_id else None
        ts = record.timestamp or record.observed_timestamp or time.time_ns()
        try:
            rows, refused = observations(kind, record.body, attributes, ts, trace_id, span_id)
        except BadRecord as exc:
            rows, refused = [], [str(exc)]
        for reason in refused[:5]:
            log.warning("mltrace-otel: a %s was not stored: %s", kind, reason)
        self.refused.extend(refused[:100])
        return rows

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


_lock = threading.Lock()
_provider: LoggerProvider | None = None
_exporter: StoreLogRecordExporter | None = None
_cached_logger: Any = None


def _logger() -> Any:
    """Our Logger, made once (``get_logger`` builds a new one on every call)."""
    global _cached_logger
    if _cached_logger is None:
        _cached_logger = _new_logger()
    return _cached_logger


def _new_logger() -> Any:
    global _provider, _exporter
    provider = _provider
    if provider is None:
        with _lock:
            if _provider is None:
                _exporter = StoreLogRecordExporter()
                _provider = LoggerProvider(resource=Resource.create({}), shutdown_on_exit=True)
                _provider.add_log_record_processor(
                    BatchLogRecordProcessor(
                        _exporter,
                        max_queue_size=_QUEUE,
                        max_export_batch_size=_BATCH,
                        schedule_delay_millis=_DELAY_MS,
                    )
                )
            provider = _provider
    return provider.get_logger("mltrace_otel.monitoring")


def add_log_exporter(exporter: LogRecordExporter) -> None:
    """Send the same records to another backend too (e.g. ``OTLPLogExporter`` to a server's ``/v1/logs``)."""
    _logger()
    assert _provider is not None
    _provider.add_log_record_processor(BatchLogRecordProcessor(exporter))


def flush_logs(timeout_millis: int = 30_000) -> bool:
    """Wait until the outputs and feedback logged so far are stored."""
    provider = _provider
    return True if provider is None else provider.force_flush(timeout_millis)


def log_output(task: str, value: Any, output_id: str | None = None) -> str:
    """Record a component's output ``value`` for ``task``, tied to the current run; returns its output id.

    Inside a run the id also becomes one of the run's outputs, so ``trace(output_id)`` finds the run that made it
    and a flag on it reaches ``review``. ``value``: a number, a boolean or a category (string).
    """
    check_task(task)
    split_value(value)
    output_id = uuid.uuid4().hex if output_id is None else check_output_id(output_id)
    from mltrace_otel.instrument.run_handle import current_run

    run = current_run()
    if run is not None:
        run.add_output(output_id)
    _logger().emit(
        timestamp=time.time_ns(), body=value, attributes={TASK: task, OUTPUT_ID: output_id}, event_name=OUTPUT_EVENT
    )
    return output_id


def log_outputs(task: str, values: Sequence[Any], output_ids: Sequence[str] | None = None) -> list[str]:
    """Record many outputs at once (batch inference) as one log record; returns their ids.

    Each value is checked on the exporter's thread (a refused one is logged and counted, the rest stored). The
    ids do not become run outputs (a million pointers on one run would swamp it); each row keeps the run's ids.
    """
    check_task(task)
    ids = [uuid.uuid4().hex for _ in values] if output_ids is None else list(output_ids)
    if len(ids) != len(values):
        raise ValueError(f"{len(values)} values but {len(ids)} output ids")
    _logger().emit(
        timestamp=time.time_ns(), body={VALUES: list(values), OUTPUT_IDS: ids}, attributes={TASK: task},
        event_name=OUTPUT_EVENT,
    )  # fmt: skip
    return ids


def log_feedback(task: str, value: Any, output_id: str) -> None:
    """Record the ground truth for an output of ``task``, from any process, whenever it is known."""
    check_task(task)
    split_value(value)
    _logger().emit(
        timestamp=time.time_ns(), body=value, attributes={TASK: task, OUTPUT_ID: check_output_id(output_id)},
        event_name=FEEDBACK_EVENT,
    )  # fmt: skip


def log_feedbacks(task: str, values: Sequence[Any], output_ids: Sequence[str]) -> None:
    check_task(task)
    if len(output_ids) != len(values):
        raise ValueError(f"{len(values)} values but {len(output_ids)} output ids")
    _logger().emit(
        timestamp=time.time_ns(), body={VALUES: list(values), OUTPUT_IDS: list(output_ids)},
        attributes={TASK: task}, event_name=FEEDBACK_EVENT,
    )  # fmt: skip


def log_status() -> dict[str, Any]:
    """What became of this process's outputs and feedback: stored, refused (with reasons), failed."""
    e = _exporter
    if e is None:
        return {"stored": 0, "refused": 0, "failed": 0, "reasons": []}
    return {"stored": e.stored, "refused": len(e.refused), "failed": e.failed, "reasons": list(e.refused[:10])}
