"""A pipeline written with OpenTelemetry API calls only: any span carrying ``mltrace.component`` is a run.

The steps below import nothing from mltrace-otel. Only the set-up differs, pick one:

    python -m examples.plain_otel [--database-url URL]        # calls mltrace_otel.configure() (below)
    OTEL_TRACES_EXPORTER=mltrace opentelemetry-instrument python -m examples.plain_otel
                                                              # the SDK loads our exporter by name

It shows what plain OTel brings along: a parent span that is not a run, plain child spans inside runs (stored in
the OTel trace, not lineage nodes), an event, a span link from a run to a run in another trace, and a failed
run recorded with its exception.
"""

from __future__ import annotations

import contextlib
import csv
import json
import random
import statistics
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Link, Status, StatusCode

try:
    from examples.common import parse_args
except ModuleNotFoundError:  # run as a script: python examples/plain_otel.py
    from common import parse_args  # type: ignore[no-redef]

tracer = trace.get_tracer("examples.plain_otel", "1.0")


def run_attributes(component: str, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> dict:
    """The attributes that make a span a run (docs/design.md §1); nothing else is needed."""
    attributes: dict = {"mltrace.component": f"plain-otel/{component}", "mltrace.tags": ["example", "plain-otel"]}
    if inputs:
        attributes["mltrace.inputs"] = list(inputs)
    if outputs:
        attributes["mltrace.outputs"] = list(outputs)
    return attributes


def label_batch() -> trace.SpanContext:
    """Labels come from a separate job: its own trace, linked to later by the training run."""
    with tracer.start_as_current_span("labeling", attributes=run_attributes("labeling", outputs=("labels.json",))):
        Path("labels.json").write_text(json.dumps({str(i): i % 3 == 0 for i in range(100)}))
        return trace.get_current_span().get_span_context()


def extract() -> None:
    rng = random.Random(7)
    with tracer.start_as_current_span("extract", attributes=run_attributes("extract", outputs=("sensor.csv",))):
        with tracer.start_as_current_span("query warehouse", kind=trace.SpanKind.CLIENT) as query:
            query.set_attribute("db.system", "postgresql")
            rows = [(i, round(rng.gauss(20, 4), 3)) for i in range(100)]
        with open("sensor.csv", "w", newline="") as fh:
            csv.writer(fh).writerows([("id", "reading"), *rows])


def train(labels: trace.SpanContext) -> None:
    attributes = run_attributes("train", inputs=("sensor.csv", "labels.json"), outputs=("threshold.json",))
    with tracer.start_as_current_span("train", attributes=attributes, links=[Link(labels, {"why": "label set"})]):
        with open("sensor.csv", newline="") as fh:
            readings = [float(r["reading"]) for r in csv.DictReader(fh)]
        threshold = statistics.mean(readings) + 2 * statistics.stdev(readings)
        trace.get_current_span().add_event("fitted", {"threshold": threshold, "rows": len(readings)})
        Path("threshold.json").write_text(json.dumps({"threshold": threshold}))


def detect() -> None:
    attributes = run_attributes("detect", inputs=("sensor.csv", "threshold.json"), outputs=("alerts.json",))
    with tracer.start_as_current_span("detect", attributes=attributes) as span:
        threshold = json.loads(Path("threshold.json").read_text())["threshold"]
        with open("sensor.csv", newline="") as fh:
            alerts = [r["id"] for r in csv.DictReader(fh) if float(r["reading"]) > threshold]
        Path("alerts.json").write_text(json.dumps(alerts))
        span.set_status(Status(StatusCode.OK))


def publish() -> None:
    """Fails: the dashboard is down. The run is stored as failed, with the exception, and the error propagates."""
    attributes = run_attributes("publish", inputs=("alerts.json",), outputs=("https://dashboard.example/alerts",))
    with tracer.start_as_current_span("publish", attributes=attributes):
        raise ConnectionError("dashboard unreachable")


def run(data_dir: Path) -> str:
    """The pipeline in ``data_dir``; returns the trace id of its ``pipeline`` span."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(data_dir):
        labels = label_batch()
        with tracer.start_as_current_span("pipeline") as pipeline:  # a plain parent span: not a run
            extract()
            train(labels)
            detect()
            with contextlib.suppress(ConnectionError):
                publish()
        return f"{pipeline.get_span_context().trace_id:032x}"


def main(argv: list[str] | None = None) -> str:
    args = parse_args(__doc__ or "", argv, "plain_otel")
    import mltrace_otel

    if not isinstance(trace.get_tracer_provider(), TracerProvider) or args.database_url:
        # No SDK installed by opentelemetry-instrument (or an explicit store): the one mltrace-otel line.
        mltrace_otel.configure(args.database_url, service_name="plain-otel")
    trace_id = run(args.data_dir)
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()
    print(f"Pipeline trace id: {trace_id}; final output: alerts.json")
    return trace_id


if __name__ == "__main__":
    main()
