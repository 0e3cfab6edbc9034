"""OpenLineage out: our component runs as RunEvents, posted to ``OPENLINEAGE_URL`` (Marquez, DataHub, us).

Off unless ``OPENLINEAGE_URL`` is set (or ``configure(openlineage_url=...)`` is called); ``OPENLINEAGE_DISABLED``
turns it off again. The OpenLineage client's own variables are honoured: ``OPENLINEAGE_ENDPOINT`` (default
``api/v1/lineage``), ``OPENLINEAGE_API_KEY`` (sent as a bearer token) and ``OPENLINEAGE_NAMESPACE`` (the jobs'
namespace, default ``mltrace``). Each run becomes a START event at its start and a COMPLETE (or FAIL, with an
``errorMessage`` facet) at its end; the job is the component, datasets follow the naming rules of
:mod:`mltrace_otel.openlineage.datasets`, the run id is a UUID derived from the span, and a ``parent`` facet links a
run to its parent run when that parent is a run this process has seen. An ``mltrace`` run facet carries the span's
own ids and component, so sending the events back to mltrace-otel gives the same run.

:class:`OpenLineageSpanExporter` sits behind its own BatchSpanProcessor (never on the pipeline's thread); it
retries a failed post a few times, then counts and logs the loss once, and never raises.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from mltrace_otel import semconv
from mltrace_otel.openlineage.datasets import dataset_for
from mltrace_otel.openlineage.events import format_time_ns
from mltrace_otel.span_record import SpanRecord, from_readable_span

log = logging.getLogger(__name__)

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACET_SCHEMA = "https://openlineage.io/spec/facets/1-0-0/{}.json"
DEFAULT_JOB_NAMESPACE = "mltrace"
# Runs seen lately (span id -> component): a child names its parent's job only when the parent is known here.
_KNOWN_RUNS = 10_000
_RUN_ID_NAMESPACE = uuid.UUID("6f1c53a4-3b5e-4c55-9a43-5b1f0c2d7e91")


def _producer() -> str:
    from mltrace_otel import __version__

    return f"https://pypi.org/project/mltrace-otel/{__version__}"


def run_uuid_for(trace_id: str, span_id: str) -> str:
    """The OpenLineage run id of a span: deterministic, so re-sending a run names the same run."""
    return str(uuid.uuid5(_RUN_ID_NAMESPACE, f"{trace_id}-{span_id}"))


def _facet(kind: str, **fields: Any) -> dict[str, Any]:
    return {"_producer": _producer(), "_schemaURL": _FACET_SCHEMA.format(kind), **fields}


def _datasets(pointers: Any) -> list[dict[str, str]]:
    if isinstance(pointers, str):
        pointers = [pointers]
    out = []
    for pointer in pointers or []:
        namespace, name = dataset_for(str(pointer))
        out.append({"namespace": namespace, "name": name})
    return out


def events_for_record(
    record: SpanRecord, namespace: str = DEFAULT_JOB_NAMESPACE, known: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """START and COMPLETE/FAIL events of one component run (none for a span that is not a run)."""
    component = record.attributes.get(semconv.COMPONENT)
    if not isinstance(component, str) or not component:
        return []
    run_id = run_uuid_for(record.trace_id, record.span_id)
    ours = {"traceId": record.trace_id, "spanId": record.span_id, "component": component}
    if record.parent_span_id:
        ours["parentSpanId"] = record.parent_span_id
    run_facets: dict[str, Any] = {"mltrace": _facet("MltraceRunFacet", **ours)}
    parent_component = (known or {}).get(record.parent_span_id or "")
    if parent_component:
        run_facets["parent"] = _facet(
            "ParentRunFacet",
            run={"runId": run_uuid_for(record.trace_id, record.parent_span_id or "")},
            job={"namespace": namespace, "name": parent_component},
        )
    job_facets: dict[str, Any] = {
        "jobType": _facet("JobTypeJobFacet", processingType="BATCH", integration="MLTRACE", jobType="TASK")
    }
    git_hash = record.attributes.get(semconv.GIT_HASH)
    if isinstance(git_hash, str) and git_hash:
        job_facets["sourceCodeLocation"] = _facet("SourceCodeLocationJobFacet", type="git", url="", version=git_hash)
    description = record.attributes.get(semconv.DESCRIPTION)
    if isinstance(description, str) and description:
        job_facets["documentation"] = _facet("DocumentationJobFacet", description=description)
    job = {"namespace": namespace, "name": component, "facets": job_facets}
    inputs = _datasets(record.attributes.get(semconv.INPUTS))
    outputs = _datasets(record.attributes.get(semconv.OUTPUTS))
    common = {"producer": _producer(), "schemaURL": SCHEMA_URL, "job": job, "inputs": inputs, "outputs": outputs}
    start = {"eventType": "START", "eventTime": format_time_ns(record.start_ns), "run": {"runId": run_id,
             "facets": run_facets}, **common}  # fmt: skip
    end_facets = dict(run_facets)
    end_type = "COMPLETE"
    if record.status_code == "ERROR":
        end_type = "FAIL"
        language = str(record.resource.get("telemetry.sdk.language") or "python")
        end_facets["errorMessage"] = _facet(
            "ErrorMessageRunFacet", message=record.status_message or "failed", programmingLanguage=language
        )
    end = {"eventType": end_type, "eventTime": format_time_ns(record.end_ns), "run": {"runId": run_id,
           "facets": end_facets}, **common}  # fmt: skip
    return [start, end]


class OpenLineageEmitter:
    """Posts events to an OpenLineage HTTP endpoint (Marquez's ``POST /api/v1/lineage``)."""

    def __init__(
        self,
        url: str,
        *,
        endpoint: str = "api/v1/lineage",
        api_key: str | None = None,
        namespace: str = DEFAULT_JOB_NAMESPACE,
        timeout_s: float = 5.0,
        max_attempts: int = 3,
    ) -> None:
        self.endpoint_url = f"{url.rstrip('/')}/{endpoint.lstrip('/')}"
        self.api_key = api_key
        self.namespace = namespace
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.sent_events = 0
        self.failed_events = 0
        self._failing = False
        self._known: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, records: Iterable[SpanRecord]) -> None:
        for record in records:
            component = record.attributes.get(semconv.COMPONENT)
            if isinstance(component, str) and component:
                self._known[record.span_id] = component
                self._known.move_to_end(record.span_id)
        while len(self._known) > _KNOWN_RUNS:
            self._known.popitem(last=False)

    def emit_records(self, records: Sequence[SpanRecord]) -> bool:
        """Send the runs among ``records``; True when every event was accepted."""
        with self._lock:
            self.remember(records)
            events = [e for r in records for e in events_for_record(r, self.namespace, dict(self._known))]
            ok = True
            for event in events:
                ok = self._post(event) and ok
            return ok

    def _post(self, event: dict[str, Any]) -> bool:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        problem = ""
        for attempt in range(self.max_attempts):
            request = urllib.request.Request(self.endpoint_url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s):
                    pass
                self.sent_events += 1
                if self._failing:
                    self._failing = False
                    log.warning("mltrace-otel: OpenLineage events reach %s again", self.endpoint_url)
                return True
            except urllib.error.HTTPError as exc:
                problem = f"{exc.code} {exc.read()[:300].decode('utf-8', 'replace')}"
                if exc.code < 500 and exc.code != 429:
                    break  # the receiver refuses this event: sending it again changes nothing
            except (urllib.error.URLError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            if attempt + 1 < self.max_attempts:
                time.sleep(0.2 * 2**attempt)
        self.failed_events += 1
        if not self._failing:
            self._failing = True  # once per outage, not once per event
            log.error("mltrace-otel: could not send an OpenLineage event to %s: %s", self.endpoint_url, problem)
        return False


class OpenLineageSpanExporter(SpanExporter):
    """A SpanExporter that sends component runs as OpenLineage events; other spans are skipped."""

    def __init__(self, emitter: OpenLineageEmitter) -> None:
        self.emitter = emitter
        self._shutdown = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            return SpanExportResult.FAILURE
        try:
            records = [from_readable_span(span) for span in spans]
            ok = self.emitter.emit_records(records)
        except Exception:  # never raise into the processor
            log.exception("mltrace-otel: could not send %d spans as OpenLineage events", len(spans))
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._shutdown = True

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def _disabled() -> bool:
    return os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() in ("1", "true", "yes", "on")


def emitter_from_env(url: str | None = None) -> OpenLineageEmitter | None:
    """The emitter the environment asks for (``url`` overrides ``OPENLINEAGE_URL``), or None when it is off."""
    target = url or os.environ.get("OPENLINEAGE_URL")
    if not target or _disabled():
        return None
    return OpenLineageEmitter(
        target,
        endpoint=os.environ.get("OPENLINEAGE_ENDPOINT") or "api/v1/lineage",
        api_key=os.environ.get("OPENLINEAGE_API_KEY") or None,
        namespace=os.environ.get("OPENLINEAGE_NAMESPACE") or DEFAULT_JOB_NAMESPACE,
    )


def exporter_from_env(url: str | None = None) -> OpenLineageSpanExporter | None:
    emitter = emitter_from_env(url)
    return OpenLineageSpanExporter(emitter) if emitter is not None else None
