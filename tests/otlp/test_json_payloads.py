"""OTLP JSON as the spec writes it: hex ids, camelCase, 64-bit integers as strings, unknown fields ignored."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine
from starlette.testclient import TestClient

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.runs import get_run, runs_by_ids
from tests.otlp.payloads import JSON, export_response_of, json_request, json_span, span_id, trace_id

# Verbatim shape of the OTLP spec's example (opentelemetry-proto/examples/trace.json), with our attributes.
SPEC_EXAMPLE: dict[str, Any] = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
            "scopeSpans": [
                {
                    "scope": {
                        "name": "my.library",
                        "version": "1.0.0",
                        "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}],
                    },
                    "spans": [
                        {
                            "traceId": "5B8EFFF798038103D269B633813FC60C",
                            "spanId": "EEE19B7EC3C1B174",
                            "parentSpanId": "EEE19B7EC3C1B173",
                            "name": "I'm a server span",
                            "startTimeUnixNano": "1544712660000000000",
                            "endTimeUnixNano": "1544712661000000000",
                            "kind": 2,
                            "attributes": [
                                {"key": "mltrace.component", "value": {"stringValue": "serve"}},
                                {"key": "my.span.attr", "value": {"stringValue": "some value"}},
                                {"key": "retries", "value": {"intValue": "3"}},
                                {"key": "ratio", "value": {"doubleValue": 0.5}},
                                {"key": "ok", "value": {"boolValue": True}},
                                {"key": "blob", "value": {"bytesValue": "AAEC"}},
                                {"key": "empty", "value": {}},
                                {
                                    "key": "config",
                                    "value": {
                                        "kvlistValue": {
                                            "values": [
                                                {"key": "depth", "value": {"intValue": 4}},
                                                {
                                                    "key": "names",
                                                    "value": {"arrayValue": {"values": [{"stringValue": "a"}]}},
                                                },
                                            ]
                                        }
                                    },
                                },
                            ],
                            "events": [
                                {
                                    "timeUnixNano": "1544712660500000000",
                                    "name": "cache.miss",
                                    "attributes": [{"key": "key", "value": {"stringValue": "k1"}}],
                                }
                            ],
                            "status": {"code": 2, "message": "boom"},
                            "flags": 257,
                            "aFieldFromTheFuture": {"nested": [1, 2, 3]},
                        }
                    ],
                }
            ],
        }
    ]
}


def post_json(client: TestClient, document: dict[str, Any]) -> Any:
    return client.post("/v1/traces", content=json.dumps(document), headers=JSON)


def test_the_spec_example_is_stored_with_every_value_type(client: TestClient, engine: Engine) -> None:
    response = post_json(client, SPEC_EXAMPLE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert not export_response_of(response.content, "application/json").HasField("partial_success")
    with engine.connect() as conn:
        run = get_run(conn, "eee19b7ec3c1b174")
    assert run.trace_id == "5b8efff798038103d269b633813fc60c" and run.parent_id == "eee19b7ec3c1b173"
    assert run.kind == "SERVER" and run.component == "serve"
    assert run.status_code == "ERROR" and run.status_message == "boom"
    assert run.attributes["retries"] == 3 and run.attributes["ratio"] == 0.5 and run.attributes["ok"] is True
    assert run.attributes["blob"] == "AAEC" and run.attributes["empty"] is None
    assert run.attributes["config"] == {"depth": 4, "names": ["a"]}
    assert run.events == [{"name": "cache.miss", "time_ns": 1544712660500000000, "attributes": {"key": "k1"}}]
    assert run.resource == {"service.name": "my.service"}
    assert run.scope["name"] == "my.library" and run.scope["attributes"] == {
        "my.scope.attribute": "some scope attribute"
    }


def test_json_runs_get_lineage_like_any_other(client: TestClient, engine: Engine) -> None:
    tid = trace_id()
    producer = json_span("extract", tid=tid, start_s=0, end_s=1, outputs=["raw.csv"])
    consumer = json_span("clean", tid=tid, start_s=2, end_s=3, inputs=["raw.csv"], outputs=["clean.csv"])
    # The consumer arrives first, in its own request: the late producer must still be linked.
    assert post_json(client, json_request([consumer])).status_code == 200
    assert post_json(client, json_request([producer])).status_code == 200
    with engine.connect() as conn:
        graph = lineage(conn, output="clean.csv")
    assert set(graph.runs) == {producer["spanId"], consumer["spanId"]}


def test_spans_with_bad_ids_are_rejected_by_name_and_the_rest_stored(client: TestClient, engine: Engine) -> None:
    good = json_span("ok")
    base64_id = json_span("b64", sid="AAAAAAAAAAE=")
    short_id = json_span("short", sid="abcd")
    zero_trace = json_span("zero", tid="0" * 32)
    ends_early = json_span("backwards", start_s=5, end_s=1)
    bad_link = json_span("link", extra={"links": [{"traceId": trace_id(), "spanId": "xyz"}]})
    spans = [good, base64_id, short_id, zero_trace, ends_early, bad_link]
    response = post_json(client, json_request(spans))
    assert response.status_code == 200
    partial = export_response_of(response.content, "application/json").partial_success
    assert partial.rejected_spans == 5
    message = partial.error_message
    assert "5 spans rejected" in message and "not hex" in message and "16 lowercase hex" in message
    with engine.connect() as conn:
        stored = runs_by_ids(conn, [s["spanId"].lower() for s in spans if len(s["spanId"]) == 16])
    assert set(stored) == {good["spanId"]}


def test_unknown_kind_and_status_numbers_are_rejected_with_a_reason(client: TestClient) -> None:
    odd_kind = json_span("k", extra={"kind": 9})
    odd_status = json_span("s", extra={"status": {"code": 7}})
    response = post_json(client, json_request([odd_kind, odd_status, json_span("fine")]))
    partial = export_response_of(response.content, "application/json").partial_success
    assert response.status_code == 200 and partial.rejected_spans == 2
    assert "span kind" in partial.error_message and "status code" in partial.error_message


def test_snake_case_field_names_parse_too(client: TestClient, engine: Engine) -> None:
    sid = span_id()
    span = {
        "trace_id": trace_id(),
        "span_id": sid,
        "name": "snake",
        "start_time_unix_nano": 1_700_000_000_000_000_000,
        "end_time_unix_nano": 1_700_000_001_000_000_000,
        "attributes": [{"key": "mltrace.component", "value": {"string_value": "snake"}}],
    }
    document = {"resource_spans": [{"scope_spans": [{"spans": [span]}]}]}
    assert post_json(client, document).status_code == 200
    with engine.connect() as conn:
        assert get_run(conn, sid).component == "snake"


def test_an_empty_request_is_a_success(client: TestClient) -> None:
    response = post_json(client, {})
    assert response.status_code == 200 and response.json() == {}


def test_nul_characters_are_stored_as_replacement_characters(client: TestClient, engine: Engine) -> None:
    # Postgres cannot store NUL in text or JSONB: it must not cost the whole batch there, nor differ on SQLite.
    span = json_span(
        "etl\x00", extra={"attributes": [{"key": "k\x00", "value": {"stringValue": "v\x00"}}], "name": "n\x00"}
    )
    response = post_json(client, json_request([span, json_span("neighbour")]))
    assert response.status_code == 200 and response.json() == {}
    with engine.connect() as conn:
        run = get_run(conn, span["spanId"])
    assert run.name == "n\ufffd" and run.attributes == {"k\ufffd": "v\ufffd"}


def test_strings_that_are_not_unicode_are_a_bad_request(client: TestClient) -> None:
    body = json.dumps(json_request([json_span("x", extra={"name": "\ud800"})]))
    response = client.post("/v1/traces", content=body, headers=JSON)
    assert response.status_code == 400


def test_names_too_long_to_index_are_rejected_by_name(client: TestClient, engine: Engine) -> None:
    # Postgres refuses btree entries over ~2.7 KB: one such run must not fail its whole batch there.
    long_component = json_span("c" * 10_000)
    long_pointer = json_span("etl", outputs=["s3://bucket/" + "p" * 5_000])
    long_hash = json_span(
        "etl", extra={"attributes": [{"key": "mltrace.code.git_hash", "value": {"stringValue": "f" * 65}}]}
    )
    fine = json_span("etl", outputs=["s3://bucket/" + "p" * 1_000])
    response = post_json(client, json_request([long_component, long_pointer, long_hash, fine]))
    partial = export_response_of(response.content, "application/json").partial_success
    assert response.status_code == 200 and partial.rejected_spans == 3
    assert "longer than 2048 bytes" in partial.error_message and "longer than 64 bytes" in partial.error_message
    assert len(partial.error_message) < 2_000  # reasons are shortened, not 10 KB names echoed back
    with engine.connect() as conn:
        assert set(runs_by_ids(conn, [s["spanId"] for s in (long_component, long_pointer, long_hash, fine)])) == {
            fine["spanId"]
        }
