"""``POST /v1/logs``: outputs and feedback from any OTel SDK, protobuf or JSON, with the trace receiver's rules."""

from __future__ import annotations

import time
from dataclasses import replace

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.monitoring import reads
from mltrace_otel.store.engine import get_engine
from tests.otlp.conftest import running_server

TRACE = "5b8efff798038103d269b633813fc60c"
SPAN = "eee19b7ec3c1b174"


def _record(event: str, task: str, output_id: str, value: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "timeUnixNano": str(time.time_ns()),
        "eventName": event,
        "body": value,
        "attributes": [
            {"key": "mltrace.task", "value": {"stringValue": task}},
            {"key": "mltrace.output_id", "value": {"stringValue": output_id}},
        ],
        **extra,
    }


def _request(*records: dict[str, object]) -> dict[str, object]:
    return {"resourceLogs": [{"resource": {}, "scopeLogs": [{"scope": {"name": "any"}, "logRecords": list(records)}]}]}


def test_json_outputs_and_feedback_are_stored_with_their_run(client: TestClient, db_url: str) -> None:
    answer = client.post(
        "/v1/logs",
        json=_request(
            _record("mltrace.output", "price", "p-1", {"doubleValue": 12.5}, traceId=TRACE, spanId=SPAN),
            _record("mltrace.output", "spam", "m-1", {"stringValue": "ham"}),
            _record("mltrace.feedback", "price", "p-1", {"intValue": "13"}),
        ),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {}
    engine = get_engine(db_url)
    (price,) = reads.rows(engine, "price", "output")
    assert (price.value, price.trace_id, price.span_id) == (12.5, TRACE, SPAN)
    assert [r.value for r in reads.rows(engine, "spam", "output")] == ["ham"]
    assert [r.value for r in reads.rows(engine, "price", "feedback")] == [13.0]


def test_records_that_are_not_ours_or_unusable_are_refused_alone_with_reasons(client: TestClient, db_url: str) -> None:
    plain_log = {"timeUnixNano": str(time.time_ns()), "body": {"stringValue": "GET /"}}
    no_task = _record("mltrace.output", "", "x", {"doubleValue": 1})
    bad_id = _record("mltrace.output", "t", "y", {"doubleValue": 1}, traceId="not-hex")
    batch = _record("mltrace.output", "t", "", {"kvlistValue": {"values": [
        {"key": "values", "value": {"arrayValue": {"values": [{"doubleValue": 1}, {"kvlistValue": {}}]}}},
        {"key": "output_ids", "value": {"arrayValue": {"values": [{"stringValue": "b1"}, {"stringValue": "b2"}]}}},
    ]}})  # fmt: skip
    good = _record("mltrace.output", "t", "z", {"boolValue": True})
    answer = client.post("/v1/logs", json=_request(plain_log, no_task, bad_id, batch, good))
    assert answer.status_code == 200
    partial = answer.json()["partialSuccess"]
    assert partial["rejectedLogRecords"] == "4"
    for words in ("is not an mltrace output or feedback", "mltrace.task attribute", "not hex", "not a number"):
        assert words in partial["errorMessage"]
    assert sorted(r.output_id for r in reads.rows(get_engine(db_url), "t", "output")) == ["b1", "z"]


def test_the_status_codes_and_the_token_are_the_trace_receivers(db_url: str) -> None:
    settings = replace(ServerSettings(database_url=db_url), ingest_token="s3cret")
    with TestClient(create_app(settings)) as client:
        body = _request(_record("mltrace.output", "t", "a", {"doubleValue": 1}))
        assert client.post("/v1/logs", json=body).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        assert client.post("/v1/logs", json=body, headers=auth).status_code == 200
        malformed = client.post(
            "/v1/logs", content=b"\x00\xff", headers={**auth, "Content-Type": "application/x-protobuf"}
        )
        assert malformed.status_code == 400 and b"ExportLogsServiceRequest" in malformed.content
        assert client.post("/v1/logs", content=b"{}", headers={**auth, "Content-Type": "text/plain"}).status_code == 415
        assert (
            client.post("/v1/logs", content=b"[1]", headers={**auth, "Content-Type": "application/json"}).status_code
            == 400
        )


def test_the_sdks_own_otlp_log_exporter_delivers_protobuf(db_url: str) -> None:
    with running_server(ServerSettings(database_url=db_url)) as base:
        provider = LoggerProvider()
        provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs")))
        tracer = TracerProvider().get_tracer("test")
        logger = provider.get_logger("pipeline")
        with tracer.start_as_current_span("predict") as span:
            logger.emit(
                body={"values": [0.1, 0.9], "output_ids": ["r1", "r2"]},
                attributes={"mltrace.task": "risk"},
                event_name="mltrace.output",
            )
            span_id = f"{span.get_span_context().span_id:016x}"
        logger.emit(
            body=1, attributes={"mltrace.task": "risk", "mltrace.output_id": "r2"}, event_name="mltrace.feedback"
        )
        provider.shutdown()
    engine = get_engine(db_url)
    outputs = {r.output_id: (r.value, r.span_id) for r in reads.rows(engine, "risk", "output")}
    assert outputs == {"r1": (0.1, span_id), "r2": (0.9, span_id)}
    assert [(r.output_id, r.value) for r in reads.rows(engine, "risk", "feedback")] == [("r2", 1.0)]


def test_an_unreachable_store_is_503_with_retry_after_and_no_driver_text() -> None:
    from sqlalchemy import create_engine

    # Nothing listens on port 1: the sender should keep its records and retry; the body must not name the server.
    down = create_engine("postgresql+psycopg2://postgres@127.0.0.1:1/mltrace", connect_args={"connect_timeout": 2})
    with TestClient(create_app(ServerSettings(database_url="sqlite://"), engine=down)) as client:
        answer = client.post("/v1/logs", json=_request(_record("mltrace.output", "price", "p-1", {"doubleValue": 1})))
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert "the store is unavailable" in answer.text
    assert "127.0.0.1" not in answer.text and "port" not in answer.text and "postgres" not in answer.text
