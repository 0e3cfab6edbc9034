"""OpenLineage ``RunEvent`` JSON, checked and read into a typed event. A malformed event names its field.

What is required: ``eventTime`` (ISO 8601; without an offset it is read as UTC), ``run.runId`` (a UUID),
``job.namespace`` and ``job.name``, and for each dataset its ``namespace`` and ``name``. ``eventType`` is optional
(absent means OTHER, as the spec allows); ``producer`` and ``schemaURL`` are kept when present. Facets must be
objects; the two we interpret (``parent``, ``errorMessage``) are checked further.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mltrace_otel.errors import MltraceError

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
TERMINAL_TYPES = ("COMPLETE", "ABORT", "FAIL")
# Names (and pointers) land in indexed columns; see span_record.py for the limit's reason.
MAX_NAME_BYTES = 2_048

_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


class InvalidEvent(MltraceError, ValueError):
    """An event we cannot read; ``field`` is its JSON path (``run.runId``, ``inputs[1].name``)."""

    code = "INVALID_EVENT"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Dataset:
    namespace: str
    name: str
    facets: dict[str, Any]
    io_facets: dict[str, Any]  # inputFacets or outputFacets


@dataclass(frozen=True, slots=True)
class RunEvent:
    event_type: str
    event_time_ns: int
    run_id: str  # canonical lowercase UUID
    job_namespace: str
    job_name: str
    run_facets: dict[str, Any]
    job_facets: dict[str, Any]
    inputs: tuple[Dataset, ...]
    outputs: tuple[Dataset, ...]
    producer: str
    body: str  # the event as canonical JSON: what is stored, and what its digest is taken of
    digest: str

    @property
    def terminal(self) -> bool:
        return self.event_type in TERMINAL_TYPES


def parse_time_ns(value: Any, field: str) -> int:
    """ISO 8601 to integer nanoseconds, keeping all nine fractional digits (datetime keeps six)."""
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidEvent(field, f"{value!r} is not an ISO 8601 date-time such as 2024-05-01T12:00:00.000Z")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    tz: timezone = UTC
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tz = timezone(delta if offset[0] == "+" else -delta)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz)
    except ValueError as exc:
        raise InvalidEvent(field, f"{value!r} is not a valid date-time ({exc})") from None
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    seconds = int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    if seconds <= 0:
        raise InvalidEvent(field, f"{value!r} is before 1970")
    return seconds * 1_000_000_000 + nanos


def format_time_ns(ns: int) -> str:
    """Integer nanoseconds as ISO 8601 UTC with nanoseconds (what ``parse_time_ns`` reads back exactly)."""
    moment = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ns % 1_000_000_000:09d}Z"


def _object(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidEvent(field, "is missing" if value is None else f"must be an object, not {_type(value)}")
    return dict(value)


def _text(value: Any, field: str) -> str:
    if value is None:
        raise InvalidEvent(field, "is missing")
    if not isinstance(value, str):
        raise InvalidEvent(field, f"must be a string, not {_type(value)}")
    if not value.strip():
        raise InvalidEvent(field, "must not be empty")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise InvalidEvent(field, f"is longer than {MAX_NAME_BYTES} bytes")
    if "\x00" in value:
        raise InvalidEvent(field, "contains a NUL character")
    return value


def run_uuid(value: Any, field: str) -> str:
    text = _text(value, field)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidEvent(field, f"{text[:80]!r} is not a UUID") from None


def _type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}.get(
        type(value), type(value).__name__
    )


def _facets(value: Any, field: str) -> dict[str, Any]:
    facets = _object(value, field, required=False)
    for name, facet in facets.items():
        if not isinstance(facet, Mapping):
            raise InvalidEvent(f"{field}.{name}", f"a facet must be an object, not {_type(facet)}")
    return facets


def _datasets(value: Any, field: str, io_key: str) -> tuple[Dataset, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidEvent(field, f"must be an array, not {_type(value)}")
    out = []
    for n, item in enumerate(value):
        where = f"{field}[{n}]"
        item = _object(item, where)
        out.append(
            Dataset(
                namespace=_text(item.get("namespace"), f"{where}.namespace"),
                name=_text(item.get("name"), f"{where}.name"),
                facets=_facets(item.get("facets"), f"{where}.facets"),
                io_facets=_facets(item.get(io_key), f"{where}.{io_key}"),
            )
        )
    return tuple(out)


def _check_known_facets(facets: dict[str, Any]) -> None:
    parent = facets.get("parent")
    if parent is not None:
        run_uuid(_object(parent.get("run"), "run.facets.parent.run").get("runId"), "run.facets.parent.run.runId")
        job = _object(parent.get("job"), "run.facets.parent.job")
        _text(job.get("namespace"), "run.facets.parent.job.namespace")
        _text(job.get("name"), "run.facets.parent.job.name")
        root = parent.get("root")
        if root is not None:
            run = _object(_object(root, "run.facets.parent.root").get("run"), "run.facets.parent.root.run")
            run_uuid(run.get("runId"), "run.facets.parent.root.run.runId")
    error = facets.get("errorMessage")
    if error is not None and not isinstance(error.get("message"), str):
        raise InvalidEvent("run.facets.errorMessage.message", "must be a string")


def parse_event(document: Any) -> RunEvent:
    """Read one RunEvent, or raise :class:`InvalidEvent` naming the first field that is wrong."""
    event = _object(document, "event")
    if "run" not in event and ("dataset" in event or "job" in event):
        raise InvalidEvent(
            "run", "is missing: mltrace-otel stores RunEvents; DatasetEvent and JobEvent (static lineage) are not kept"
        )
    event_type = event.get("eventType")
    if event_type is None:
        event_type = "OTHER"
    elif not isinstance(event_type, str) or event_type.upper() not in EVENT_TYPES:
        raise InvalidEvent("eventType", f"{event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    time_ns = parse_time_ns(event.get("eventTime"), "eventTime")
    run = _object(event.get("run"), "run")
    run_id = run_uuid(run.get("runId"), "run.runId")
    run_facets = _facets(run.get("facets"), "run.facets")
    _check_known_facets(run_facets)
    job = _object(event.get("job"), "job")
    producer = event.get("producer")
    if producer is not None and not isinstance(producer, str):
        raise InvalidEvent("producer", f"must be a string (a URI), not {_type(producer)}")
    try:
        body = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise InvalidEvent("event", "holds a number JSON cannot carry (NaN or Infinity)") from None
    return RunEvent(
        event_type=event_type.upper(),
        event_time_ns=time_ns,
        run_id=run_id,
        job_namespace=_text(job.get("namespace"), "job.namespace"),
        job_name=_text(job.get("name"), "job.name"),
        run_facets=run_facets,
        job_facets=_facets(job.get("facets"), "job.facets"),
        inputs=_datasets(event.get("inputs"), "inputs", "inputFacets"),
        outputs=_datasets(event.get("outputs"), "outputs", "outputFacets"),
        producer=producer or "",
        body=body,
        digest=hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
    )
