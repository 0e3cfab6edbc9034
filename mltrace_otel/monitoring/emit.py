"""``log_output`` / ``log_feedback``: outputs and ground truth, made durable on the caller's thread like spans.

Each call is one record of outputs or feedback, handed to the same delivery as this process's spans
(mltrace_otel/delivery): it is copied into the store's spool before the call returns, so a store that is away,
a ``SIGKILL`` or an ``os._exit`` a moment later loses nothing; the spool's drainer stores it (retrying while the
store is away, adopting what dead processes left), and ``mltrace_otel.flush()`` waits for it as for spans. The
caller pays for one copy: a batch of a million predictions (``log_outputs``) is marshalled into a few frames of
16,384 values; validation of each value and storage happen on the drainer's thread (a refused value is reported
with its reason in ``export_status()``, the rest stored).

The records are the OpenTelemetry log records of monitoring/events.py: with :func:`add_log_exporter` (say an
``OTLPLogExporter`` pointed at an mltrace-otel server or a Collector) each call is also emitted as such a record
through our own LoggerProvider (an application's logging setup is left alone). :class:`StoreLogRecordExporter`
puts the store behind any other LoggerProvider.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import trace
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
    check_output_id,
    check_task,
    event_kind,
    split_value,
)

if TYPE_CHECKING:
    from mltrace_otel.delivery.delivery import Delivery

log = logging.getLogger(__name__)

_EVENTS = {"output": OUTPUT_EVENT, "feedback": FEEDBACK_EVENT}


def _delivery() -> Delivery | None:
    """This process's delivery to the configured store (configured with defaults on first use, as ``@register``
    is); None when the store's address is malformed (logged once by ``ensure_configured``)."""
    from mltrace_otel.instrument import configure

    found = configure.delivery()
    if found is None:
        configure.ensure_configured()
        found = configure.delivery()
    return found


_lost_lock = threading.Lock()
_lost = 0  # records that had no delivery to go to (a malformed store address)


def _keep(kind: str, task: str, body: Any, output_id: str | None, ts_ns: int) -> None:
    """Make one record durable for the store, and emit it to extra exporters. Never raises."""
    global _lost
    ctx = trace.get_current_span().get_span_context()
    trace_id, span_id = (ctx.trace_id, ctx.span_id) if ctx.is_valid else (0, 0)
    delivery = _delivery()
    if delivery is not None:
        delivery.append_observations(kind, task, body, output_id, ts_ns, trace_id, span_id)
    else:
        with _lost_lock:
            _lost += 1
    if _provider is not None:
        _emit_otel(kind, task, body, output_id, ts_ns)


class StoreLogRecordExporter(LogRecordExporter):
    """The store behind any LoggerProvider: our log records (outputs and feedback) are handed to the delivery
    (durable in the spool once ``export`` returns; what waits in the SDK's queue before is as safe as that queue);
    other records are ignored."""

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        try:
            delivery = _delivery()
            if delivery is None:
                return LogRecordExportResult.FAILURE
            for readable in batch:
                record = readable.log_record
                attributes = dict(record.attributes or {})
                kind = event_kind(record.event_name, attributes)
                if kind is None:
                    continue
                body: Any = record.body
                output_id = attributes.get(OUTPUT_ID)
                if isinstance(body, dict) and output_id is None:
                    values, ids = body.get(VALUES), body.get(OUTPUT_IDS)
                    if isinstance(values, list | tuple) and isinstance(ids, list | tuple):
                        body = (list(values), list(ids))
                ts = record.timestamp or record.observed_timestamp or time.time_ns()
                task = cast(str, attributes.get(TASK))  # checked by the drainer, as every value is
                delivery.append_observations(kind, task, body, output_id, ts, record.trace_id or 0, record.span_id or 0)
        except Exception:  # never into the SDK's worker
            log.exception("mltrace-otel: could not keep %d log records for the store", len(batch))
            return LogRecordExportResult.FAILURE
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        delivery = _delivery()
        return True if delivery is None else delivery.flush(timeout_millis / 1000)


_lock = threading.Lock()
_provider: LoggerProvider | None = None  # only once an extra exporter is added
_cached_logger: Any = None


def _emit_otel(kind: str, task: str, body: Any, output_id: str | None, ts_ns: int) -> None:
    try:
        if output_id is None:
            values, ids = body
            body, attributes = {VALUES: list(values), OUTPUT_IDS: list(ids)}, {TASK: task}
        else:
            attributes = {TASK: task, OUTPUT_ID: output_id}
        _cached_logger.emit(timestamp=ts_ns, body=body, attributes=attributes, event_name=_EVENTS[kind])
    except Exception:  # an extra exporter is never worth the pipeline
        log.exception("mltrace-otel: could not emit %s of task %r to the extra log exporters", kind, task)


def add_log_exporter(exporter: LogRecordExporter) -> None:
    """Send the same records to another backend too (e.g. ``OTLPLogExporter`` to a server's ``/v1/logs``)."""
    global _provider, _cached_logger
    with _lock:
        if _provider is None:
            provider = LoggerProvider(resource=Resource.create({}), shutdown_on_exit=True)
            _cached_logger = provider.get_logger("mltrace_otel.monitoring")
            _provider = provider
        _provider.add_log_record_processor(BatchLogRecordProcessor(exporter))


def flush_extra_exporters(timeout_millis: int = 30_000) -> bool:
    """Flush the exporters added with :func:`add_log_exporter` (``mltrace_otel.flush`` calls this)."""
    provider = _provider
    return True if provider is None else provider.force_flush(timeout_millis)


def flush_logs(timeout_millis: int = 30_000) -> bool:
    """``mltrace_otel.flush()``, which waits for outputs and feedback as for spans (kept for earlier callers)."""
    from mltrace_otel.instrument import configure

    return configure.flush(timeout_millis)


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
    _keep("output", task, value, output_id, time.time_ns())
    return output_id


def log_outputs(task: str, values: Sequence[Any], output_ids: Sequence[str] | None = None) -> list[str]:
    """Record many outputs at once (batch inference) as one log record; returns their ids.

    Each value is checked on the drainer's thread (a refused one is logged and reported, the rest stored). The
    ids do not become run outputs (a million pointers on one run would swamp it); each row keeps the run's ids.
    """
    check_task(task)
    ids = [uuid.uuid4().hex for _ in values] if output_ids is None else list(output_ids)
    if len(ids) != len(values):
        raise ValueError(f"{len(values)} values but {len(ids)} output ids")
    _keep("output", task, (_plain_list(values), ids), None, time.time_ns())
    return ids


def _plain_list(values: Sequence[Any]) -> Sequence[Any]:
    """``values`` as a list or tuple without copying when it is one (it is copied into the spool before the call
    returns); a numpy array or pandas Series through its ``tolist`` (Python numbers, in C)."""
    if type(values) is list or type(values) is tuple:
        return values
    tolist = getattr(values, "tolist", None)
    return tolist() if callable(tolist) else list(values)


def log_feedback(task: str, value: Any, output_id: str) -> None:
    """Record the ground truth for an output of ``task``, from any process, whenever it is known."""
    check_task(task)
    split_value(value)
    _keep("feedback", task, value, check_output_id(output_id), time.time_ns())


def log_feedbacks(task: str, values: Sequence[Any], output_ids: Sequence[str]) -> None:
    check_task(task)
    if len(output_ids) != len(values):
        raise ValueError(f"{len(values)} values but {len(output_ids)} output ids")
    _keep("feedback", task, (_plain_list(values), _plain_list(output_ids)), None, time.time_ns())


def log_status() -> dict[str, Any]:
    """What became of this process's outputs and feedback: values ``stored`` and ``refused`` (the latest
    ``reasons``), ``lost`` records (no store configured), and the delivery's ``state`` and records ``spooled``
    (spans included). ``mltrace_otel.export_status()`` has it all."""
    from mltrace_otel.instrument import configure

    status = configure.export_status()
    mine = [f"{r.name}: {r.reason}" for r in status.reasons if r.name.startswith(("output ", "feedback "))]
    return {
        "stored": status.outputs_stored + status.feedback_stored,
        "refused": status.observations_refused,
        "lost": _lost,
        "state": status.state,
        "spooled": status.spooled,
        "reasons": mine[-10:],
    }
