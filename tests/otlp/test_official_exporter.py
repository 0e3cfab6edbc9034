"""The official Python OTLPSpanExporter (protobuf, gzip) against the receiver under a real uvicorn."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import httpx
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, format_span_id
from sqlalchemy import func, select

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.runs import get_run
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans as spans_table
from tests.otlp.conftest import ServeFactory


def recorded_pipeline() -> list[ReadableSpan]:
    """A two-step pipeline recorded by the SDK, with attribute values of every type OTLP can carry."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "py-otlp", "deployment.environment": "ci"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("pipeline.module", "2.3.4")
    with tracer.start_as_current_span(
        "etl", kind=SpanKind.PRODUCER, attributes={"mltrace.component": "etl", "mltrace.outputs": ["raw.parquet"]}
    ) as etl:
        etl.add_event("rows.loaded", {"rows": 1200, "source": "s3"})
        with tracer.start_as_current_span("etl.read", kind=SpanKind.CLIENT):
            pass
    etl_id = etl.get_span_context()
    with tracer.start_as_current_span(
        "train",
        kind=SpanKind.CONSUMER,
        links=[Link(etl_id, {"why": "same batch"})],
        attributes={
            "mltrace.component": "train",
            "mltrace.inputs": ["raw.parquet"],
            "mltrace.outputs": ["model.pt"],
            "int": 42,
            "float": 0.25,
            "bool": True,
            "ints": [1, 2, 3],
            "floats": [0.5, 1.5],
            "bools": [True, False],
            "bytes": b"\x00\xffraw",
            "nested": {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}},
        },
    ) as train:
        train.set_status(Status(StatusCode.ERROR, "loss diverged"))
    provider.shutdown()
    return list(memory.get_finished_spans())


def export(base_url: str, spans: Sequence[ReadableSpan], **kwargs: Any) -> SpanExportResult:
    exporter = OTLPSpanExporter(endpoint=f"{base_url}/v1/traces", timeout=30, **kwargs)
    try:
        return exporter.export(spans)
    finally:
        exporter.shutdown()


def stored_count(db_url: str) -> int:
    with get_engine(db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(spans_table)).scalar_one()


def test_every_part_of_a_span_survives_the_official_exporter(db_url: str, serve: ServeFactory) -> None:
    spans = recorded_pipeline()
    by_name = {s.name: s for s in spans}
    with serve() as base:
        assert export(base, spans, compression=Compression.Gzip) is SpanExportResult.SUCCESS
    with get_engine(db_url).connect() as conn:
        train = get_run(conn, format_span_id(by_name["train"].context.span_id))
        etl = get_run(conn, format_span_id(by_name["etl"].context.span_id))
        read = get_run(conn, format_span_id(by_name["etl.read"].context.span_id))
        graph = lineage(conn, output="model.pt")

    assert train.component == "train" and train.kind == "CONSUMER"
    assert etl.kind == "PRODUCER" and read.kind == "CLIENT" and read.component is None
    assert read.parent_id == etl.id and read.trace_id == etl.trace_id
    assert train.status_code == "ERROR" and train.status_message == "loss diverged"
    attrs = train.attributes
    assert (attrs["int"], attrs["float"], attrs["bool"]) == (42, 0.25, True)
    assert (attrs["ints"], attrs["floats"], attrs["bools"]) == ([1, 2, 3], [0.5, 1.5], [True, False])
    assert base64.b64decode(attrs["bytes"]) == b"\x00\xffraw"
    assert attrs["nested"] == {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}}
    assert train.resource["service.name"] == "py-otlp" and train.resource["deployment.environment"] == "ci"
    assert train.service_name == "py-otlp"
    assert train.scope["name"] == "pipeline.module" and train.scope["version"] == "2.3.4"
    assert train.links == [{"trace_id": etl.trace_id, "span_id": etl.id, "attributes": {"why": "same batch"}}]
    assert etl.events[0]["name"] == "rows.loaded"
    assert etl.events[0]["attributes"] == {"rows": 1200, "source": "s3"}
    # Lineage is computed at ingest exactly as for the in-process exporter: via the IO pointer and the link.
    assert set(graph.runs) == {train.id, etl.id}
    assert {(e.consumer_id, e.producer_id, e.kind) for e in graph.edges} == {
        (train.id, etl.id, "io"),
        (train.id, etl.id, "link"),
    }


def test_a_batch_delivered_twice_is_stored_once(db_url: str, serve: ServeFactory) -> None:
    spans = recorded_pipeline()
    with serve() as base:
        assert export(base, spans, compression=Compression.Gzip) is SpanExportResult.SUCCESS
        assert export(base, spans, compression=Compression.Deflate) is SpanExportResult.SUCCESS
        assert export(base, spans) is SpanExportResult.SUCCESS
    assert stored_count(db_url) == len(spans)


def test_the_bearer_token_is_required_when_configured(db_url: str, serve: ServeFactory) -> None:
    spans = recorded_pipeline()
    with serve(ingest_token="s3cret") as base:
        assert export(base, spans) is SpanExportResult.FAILURE
        assert export(base, spans, headers={"Authorization": "Bearer wrong"}) is SpanExportResult.FAILURE
        refused = httpx.post(f"{base}/v1/traces", content=b"", headers={"Content-Type": "application/x-protobuf"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert stored_count(db_url) == 0
        assert export(base, spans, headers={"Authorization": "Bearer s3cret"}) is SpanExportResult.SUCCESS
    assert stored_count(db_url) == len(spans)
