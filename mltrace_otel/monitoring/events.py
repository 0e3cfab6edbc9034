"""The log records that carry outputs and feedback, and the rows they become.

A record is ours when its event name (``event_name``, or the ``event.name`` attribute for senders whose SDK
predates the field) is ``mltrace.output`` or ``mltrace.feedback``. The task is the ``mltrace.task`` attribute.
One value: the body is the value (number, boolean or string) and ``mltrace.output_id`` names it. Many values at
once (batch inference): the body is a map ``{"values": [...], "output_ids": [...]}`` of equal lengths. The record's
trace and span ids are the run it was logged in; its timestamp is when the output was made (or the feedback known).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OUTPUT_EVENT = "mltrace.output"
FEEDBACK_EVENT = "mltrace.feedback"
KINDS = {OUTPUT_EVENT: "output", FEEDBACK_EVENT: "feedback"}
TASK = "mltrace.task"
OUTPUT_ID = "mltrace.output_id"
VALUES = "values"
OUTPUT_IDS = "output_ids"

# Postgres refuses btree keys over ~2,700 bytes: the (task, output_id) key stays well under it.
MAX_TASK_CHARS = 200
MAX_ID_CHARS = 1_000
MAX_LABEL_CHARS = 1_000


class BadRecord(ValueError):
    """A record (or one value of a batch) that cannot be stored; the message says why."""


@dataclass(frozen=True, slots=True)
class Observation:
    kind: str  # "output" or "feedback"
    task: str
    output_id: str
    value: float | None
    label: str | None
    ts_ns: int
    trace_id: str | None
    span_id: str | None


def event_kind(event_name: str | None, attributes: Mapping[str, Any]) -> str | None:
    """ "output", "feedback", or None when the record is not one of ours."""
    name = event_name or attributes.get("event.name")
    return KINDS.get(name) if isinstance(name, str) else None


def split_value(value: Any) -> tuple[float | None, str | None]:
    """A value as (number, None) or (None, category); raises BadRecord for anything else."""
    if isinstance(value, bool):
        return float(value), None
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number):
            raise BadRecord(f"value {value!r} is not a finite number")
        return number, None
    if isinstance(value, str):
        if len(value) > MAX_LABEL_CHARS:
            raise BadRecord(f"a category value is longer than {MAX_LABEL_CHARS} characters")
        return None, value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return split_value(value.item())
    raise BadRecord(f"value {value!r} is not a number, boolean or string")


def check_task(task: Any) -> str:
    if not isinstance(task, str) or not task.strip():
        raise BadRecord(f"the {TASK} attribute must be a non-empty string (got {task!r})")
    if len(task) > MAX_TASK_CHARS:
        raise BadRecord(f"the task name is longer than {MAX_TASK_CHARS} characters")
    return task


def check_output_id(output_id: Any) -> str:
    if isinstance(output_id, int) and not isinstance(output_id, bool):
        output_id = str(output_id)
    if not isinstance(output_id, str) or not output_id:
        raise BadRecord(f"an output id must be a non-empty string (got {output_id!r})")
    if len(output_id) > MAX_ID_CHARS:
        raise BadRecord(f"an output id is longer than {MAX_ID_CHARS} characters")
    return output_id


def observations(
    kind: str,
    body: Any,
    attributes: Mapping[str, Any],
    ts_ns: int,
    trace_id: str | None,
    span_id: str | None,
) -> tuple[list[Observation], list[str]]:
    """The rows one record carries, and a reason for each value refused (the rest are kept)."""
    task = check_task(attributes.get(TASK))
    if isinstance(body, Mapping):
        values, ids = body.get(VALUES), body.get(OUTPUT_IDS)
        if not isinstance(values, list | tuple) or not isinstance(ids, list | tuple) or len(values) != len(ids):
            raise BadRecord(f"a batch body needs '{VALUES}' and '{OUTPUT_IDS}' arrays of the same length")
    else:
        values, ids = [body], [attributes.get(OUTPUT_ID)]
    rows: list[Observation] = []
    refused: list[str] = []
    for value, output_id in zip(values, ids, strict=True):
        try:
            number, label = split_value(value)
            rows.append(Observation(kind, task, check_output_id(output_id), number, label, ts_ns, trace_id, span_id))
        except BadRecord as exc:
            refused.append(f"task {task!r}, output {output_id!r}: {exc}")
    return rows, refused
