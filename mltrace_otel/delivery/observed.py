"""Records of outputs and feedback read back from the spool (or the memory queue): the rows they become, and a
reason for each value refused.

The checks are those of a log record arriving at ``POST /v1/logs`` (monitoring/events.py), made here on the
drainer's thread so the caller pays only for the copy into the spool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mltrace_otel.delivery.codec import split_ids, unwritable_reason
from mltrace_otel.monitoring.events import (
    OUTPUT_ID,
    OUTPUT_IDS,
    TASK,
    VALUES,
    BadRecord,
    Observation,
    observations,
)
from mltrace_otel.monitoring.write import Refused


@dataclass
class ObservedBatch:
    records: int = 0  # spool records (frames) of outputs or feedback in the batch
    rows: list[Observation] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def observed_rows(payload: tuple[Any, ...], into: ObservedBatch) -> None:
    """Add the rows of one record's ``payload`` (codec.decode_observations) to ``into``; never raises (a record
    that makes no sense is refused whole, with the reason)."""
    kind, task, body, output_id, ts_ns, trace_id, span_id = payload
    into.records += 1
    try:
        _add_rows(kind, task, body, output_id, ts_ns, trace_id, span_id, into)
    except Exception as exc:
        reason = f"task {task!r}: the record could not be read ({type(exc).__name__}: {exc})"
        into.refused.append(Refused(str(kind), str(task), "", reason))


def _add_rows(
    kind: str, task: str, body: Any, output_id: Any, ts_ns: int, trace_id: int, span_id: int, into: ObservedBatch
) -> None:
    trace = f"{trace_id:032x}" if trace_id else None
    span = f"{span_id:016x}" if span_id else None
    if output_id is None and type(body) is tuple:
        values, ids = body[0], split_ids(body[1])
        if any(type(v) is tuple for v in values) or any(type(i) is tuple for i in ids):
            # values or ids that were no plain value on the caller's side: refused on their own
            keep = []
            for value, output in zip(values, ids, strict=True):
                why = unwritable_reason(value) or unwritable_reason(output)
                keep.append(why is None)
                if why is not None:
                    reason = f"task {task!r}, output {output!r}: {why}"
                    into.refused.append(Refused(kind, str(task), str(output), reason))
            values = [v for v, ok in zip(values, keep, strict=True) if ok]
            ids = [i for i, ok in zip(ids, keep, strict=True) if ok]
        record_body: Any = {VALUES: values, OUTPUT_IDS: ids}
        attributes: dict[str, Any] = {TASK: task}
    else:
        why = unwritable_reason(body) or unwritable_reason(output_id)
        if why is not None:
            into.refused.append(Refused(kind, str(task), str(output_id), f"task {task!r}, output {output_id!r}: {why}"))
            return
        record_body, attributes = body, {TASK: task, OUTPUT_ID: output_id}
    try:
        rows, refused = observations(kind, record_body, attributes, ts_ns, trace, span)
    except BadRecord as exc:
        whole = "a record" if output_id is None else f"output {output_id!r}"
        reason = f"task {task!r}, {whole}: {exc}"
        into.refused.append(Refused(kind, str(task), "" if output_id is None else str(output_id), reason))
        return
    into.rows.extend(rows)
    into.refused.extend(Refused(kind, str(task), "", reason) for reason in refused)
