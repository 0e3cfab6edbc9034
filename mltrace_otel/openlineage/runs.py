"""One OpenLineage run as one span: a pure function of the set of its events, whatever order they came in.

Ids are derived, never random, so every event of a run (and every replica receiving one) names the same span:
- span id: the first 16 hex characters of sha256(``openlineage:<runId>``);
- trace id: the UUID (as 32 hex characters) of the run's root: ``parent.root.run.runId`` when the parent facet
  names a root, else the parent's run id, else the run's own; so an Airflow DAG run and its tasks share one trace;
- parent span id: the span id of ``parent.run.runId``.
Events written by our own OpenLineage emitter carry an ``mltrace`` run facet with the original ids and component,
which win, so a run that goes out and comes back is the same span.

Merging: events are ordered by (eventTime, START < RUNNING < OTHER < terminal, digest), then folded. The run
starts at its START's time (else its earliest event) and ends at its last terminal event (COMPLETE -> OK, FAIL and
ABORT -> ERROR); inputs and outputs are the union of every event's datasets; facets of later events override
earlier ones of the same name. A run without a terminal event has no span yet.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mltrace_otel import semconv
from mltrace_otel.openlineage.datasets import pointer_for
from mltrace_otel.openlineage.events import TERMINAL_TYPES, Dataset, RunEvent
from mltrace_otel.span_record import SpanRecord

_RANK = {"START": 0, "RUNNING": 1, "OTHER": 2}
OURS_FACET = "mltrace"  # the run facet our emitter adds (see openlineage/emit.py)
SCOPE = {"name": "openlineage", "version": None}


def run_span_id(run_id: str) -> str:
    digest = hashlib.sha256(f"openlineage:{run_id}".encode()).hexdigest()
    return digest[:16] if digest[:16] != "0" * 16 else digest[16:32]


def trace_id_of(run_id: str) -> str:
    return uuid.UUID(run_id).hex


def _order(event: RunEvent) -> tuple[int, int, str]:
    return event.event_time_ns, _RANK.get(event.event_type, 3), event.digest


@dataclass
class _Datasets:
    by_pointer: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, datasets: Iterable[Dataset], io_key: str) -> None:
        for ds in datasets:
            pointer = pointer_for(ds.namespace, ds.name)
            entry = self.by_pointer.setdefault(
                pointer, {"namespace": ds.namespace, "name": ds.name, "facets": {}, io_key: {}}
            )
            entry["facets"].update(ds.facets)
            entry[io_key].update(ds.io_facets)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _ids(run_id: str, facets: dict[str, Any]) -> tuple[str, str, str | None]:
    """(trace id, span id, parent span id) of the run."""
    ours = facets.get(OURS_FACET) or {}
    parent = facets.get("parent") or {}
    parent_run = (parent.get("run") or {}).get("runId")
    root_run = ((parent.get("root") or {}).get("run") or {}).get("runId")
    trace_id = trace_id_of(root_run or parent_run or run_id)
    span_id = run_span_id(run_id)
    parent_span = run_span_id(str(uuid.UUID(parent_run))) if parent_run else None
    if _hex(ours.get("spanId"), 16) and _hex(ours.get("traceId"), 32):
        span_id, trace_id = ours["spanId"], ours["traceId"]
        parent_span = ours.get("parentSpanId") if _hex(ours.get("parentSpanId"), 16) else None
    return trace_id, span_id, parent_span


def _hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)


def span_for_run(events: Iterable[RunEvent]) -> SpanRecord | None:
    """The run's span, or None while none of its events is terminal (COMPLETE, FAIL, ABORT)."""
    ordered = sorted(events, key=_order)
    terminal = [e for e in ordered if e.event_type in TERMINAL_TYPES]
    if not terminal:
        return None
    last, final = ordered[-1], terminal[-1]
    starts = [e.event_time_ns for e in ordered if e.event_type == "START"]
    start_ns = min(starts) if starts else ordered[0].event_time_ns
    end_ns = max(final.event_time_ns, start_ns)
    run_facets: dict[str, Any] = {}
    job_facets: dict[str, Any] = {}
    inputs, outputs = _Datasets(), _Datasets()
    for event in ordered:
        run_facets.update(event.run_facets)
        job_facets.update(event.job_facets)
        inputs.add(event.inputs, "inputFacets")
        outputs.add(event.outputs, "outputFacets")
    trace_id, span_id, parent_span = _ids(final.run_id, run_facets)
    ours = run_facets.get(OURS_FACET) or {}
    component = ours.get("component") if isinstance(ours.get("component"), str) and ours.get("component") else None
    component = component or f"{last.job_namespace}/{last.job_name}"
    attributes: dict[str, Any] = {
        semconv.COMPONENT: component,
        semconv.INPUTS: list(inputs.by_pointer),
        semconv.OUTPUTS: list(outputs.by_pointer),
        "openlineage.run_id": final.run_id,
        "openlineage.job.namespace": last.job_namespace,
        "openlineage.job.name": last.job_name,
        "openlineage.event_types": [e.event_type for e in ordered],
    }
    if final.producer:
        attributes["openlineage.producer"] = final.producer
    if inputs.by_pointer:
        attributes["openlineage.inputs"] = _json(list(inputs.by_pointer.values()))
    if outputs.by_pointer:
        attributes["openlineage.outputs"] = _json(list(outputs.by_pointer.values()))
    for name, facet in run_facets.items():
        if name != OURS_FACET:
            attributes[f"openlineage.run.facets.{name}"] = _json(facet)
    for name, facet in job_facets.items():
        attributes[f"openlineage.job.facets.{name}"] = _json(facet)
    attributes.update(_interpreted_job_facets(job_facets))
    status, message = _status(final.event_type, run_facets)
    return SpanRecord(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent_span,
        name=last.job_name,
        kind="INTERNAL",
        start_ns=start_ns,
        end_ns=end_ns,
        status_code=status,
        status_message=message,
        attributes=attributes,
        resource={"service.name": last.job_namespace},
        scope=dict(SCOPE),
    )


def _status(event_type: str, facets: dict[str, Any]) -> tuple[str, str | None]:
    error = (facets.get("errorMessage") or {}).get("message")
    if event_type == "COMPLETE":
        return "OK", None
    if event_type == "ABORT":
        return "ERROR", f"aborted: {error}" if error else "aborted (OpenLineage ABORT event)"
    return "ERROR", error or "failed (OpenLineage FAIL event)"


def _interpreted_job_facets(facets: dict[str, Any]) -> dict[str, Any]:
    """Job facets with an mltrace meaning: the code version, the description and the owner."""
    out: dict[str, Any] = {}
    version = (facets.get("sourceCodeLocation") or {}).get("version")
    if isinstance(version, str) and 0 < len(version) <= 64:
        out[semconv.GIT_HASH] = version
    description = (facets.get("documentation") or {}).get("description")
    if isinstance(description, str) and description:
        out[semconv.DESCRIPTION] = description
    owners = (facets.get("ownership") or {}).get("owners")
    if isinstance(owners, list) and owners and isinstance(owners[0], dict) and owners[0].get("name"):
        out[semconv.OWNER] = str(owners[0]["name"])
    return out


def record_digest(record: SpanRecord) -> str:
    """What identifies a stored version of the run: everything that would be written for it."""
    from mltrace_otel.otlp_json import export_request

    return hashlib.sha256(_json(export_request([record])).encode("utf-8", "surrogatepass")).hexdigest()
