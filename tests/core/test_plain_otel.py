"""Plain OpenTelemetry: any span carrying ``mltrace.component`` is a run, however it was made."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from tests.core.conftest import Store


def test_a_span_with_mltrace_attributes_is_a_first_class_run(store: Store) -> None:
    tracer = trace.get_tracer("my.pipeline", "1.2.3")
    with tracer.start_as_current_span(
        "ingest",
        attributes={"mltrace.component": "ingest", "mltrace.outputs": ["raw.csv"], "mltrace.tags": ["otel"]},
    ):
        pass
    with tracer.start_as_current_span(
        "clean step", attributes={"mltrace.component": "clean", "mltrace.inputs": ["raw.csv"]}
    ) as span:
        span.set_attribute("mltrace.outputs", ["clean.csv"])
    ingest, clean = store.only_run("ingest"), store.only_run("clean")
    assert clean.name == "clean step"
    assert clean.scope == {"name": "my.pipeline", "version": "1.2.3"}
    assert store.io(clean.id).outputs == ["clean.csv"]
    assert store.dependencies(clean.id) == {ingest.id}


def test_spans_without_the_component_attribute_are_stored_but_are_not_runs(store: Store) -> None:
    tracer = trace.get_tracer("my.pipeline")
    with tracer.start_as_current_span("job", kind=SpanKind.SERVER) as parent:
        parent.set_attribute("http.route", "/train")
        with (
            tracer.start_as_current_span("step", attributes={"mltrace.component": "step"}),
            tracer.start_as_current_span("sql query", kind=SpanKind.CLIENT),
        ):
            pass
    spans = {s.name: s for s in store.all_spans()}
    assert set(spans) == {"job", "step", "sql query"}
    assert [r.name for r in store.runs()] == ["step"]
    assert spans["job"].kind == "SERVER" and spans["sql query"].kind == "CLIENT"
    assert spans["step"].parent_id == spans["job"].id
    assert spans["sql query"].parent_id == spans["step"].id
    assert spans["job"].attributes["http.route"] == "/train"


def test_status_events_links_and_resource_are_kept_whole(store: Store) -> None:
    tracer = trace.get_tracer("my.pipeline")
    with tracer.start_as_current_span("upstream", attributes={"mltrace.component": "upstream"}) as up:
        pass
    with tracer.start_as_current_span(
        "scored",
        attributes={"mltrace.component": "scored"},
        links=[Link(up.get_span_context(), {"reason": "batch"})],
    ) as span:
        span.add_event("checkpoint", {"step": 3})
        span.set_status(Status(StatusCode.ERROR, "accuracy below threshold"))
    run = store.only_run("scored")
    assert run.status_code == "ERROR" and run.status_message == "accuracy below threshold"
    assert [(e["name"], e["attributes"]) for e in run.events] == [("checkpoint", {"step": 3})]
    (link,) = run.links
    assert link["span_id"] == store.only_run("upstream").id and link["attributes"] == {"reason": "batch"}
    assert "telemetry.sdk.name" in run.resource
    assert store.dependencies(run.id) == {store.only_run("upstream").id}


def test_a_span_started_and_ended_by_hand_is_a_run(store: Store) -> None:
    tracer = trace.get_tracer("my.pipeline")
    span = tracer.start_span("manual", attributes={"mltrace.component": "manual"}, start_time=1_700_000_000 * 10**9)
    span.set_attribute("mltrace.inputs", ["a.csv", "b.csv"])
    span.end(end_time=1_700_000_060 * 10**9)
    run = store.only_run("manual")
    assert run.duration_ms == 60_000
    assert store.io(run.id).inputs == ["a.csv", "b.csv"]
