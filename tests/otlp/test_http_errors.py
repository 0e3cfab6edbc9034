"""Status codes and error bodies as the OTLP/HTTP spec asks: google.rpc.Status, in the request's encoding."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator

import pytest
from google.rpc.code_pb2 import Code
from sqlalchemy import Engine, create_engine, func, select
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.models import spans
from tests.otlp.payloads import JSON, PROTOBUF, json_request, json_span, protobuf_request, status_of

CAP = 64 * 1024


@pytest.fixture
def small_client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServerSettings(database_url=db_url, max_body_bytes=CAP))) as test_client:
        yield test_client


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(spans)).scalar_one()


@pytest.mark.parametrize("headers", [PROTOBUF, JSON], ids=["protobuf", "json"])
def test_undecodable_bodies_are_400_with_a_status_in_the_request_encoding(
    client: TestClient, engine: Engine, headers: dict[str, str]
) -> None:
    good = protobuf_request([json_span("x")]) if headers is PROTOBUF else json.dumps(json_request([json_span("x")]))
    body = good[: len(good) // 2] if isinstance(good, bytes) else good[:-7]
    response = client.post("/v1/traces", content=body, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == headers["Content-Type"]
    status = status_of(response.content, headers["Content-Type"])
    assert status.code == Code.INVALID_ARGUMENT and "not" in status.message
    assert stored(engine) == 0


@pytest.mark.parametrize(
    "document",
    [
        [1, 2],
        {"resourceSpans": "not a list"},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5, "spanId": "00000000000000aa"}]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 12}]}]}]},
    ],
    ids=["array", "string-for-list", "number-for-name", "text-for-time", "number-for-id"],
)
def test_json_with_wrong_field_types_is_400(client: TestClient, engine: Engine, document: object) -> None:
    response = client.post("/v1/traces", content=json.dumps(document), headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == Code.INVALID_ARGUMENT
    assert stored(engine) == 0


def test_unknown_content_types_and_encodings_are_415(client: TestClient) -> None:
    plain = client.post("/v1/traces", content=b"hello", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415 and "application/x-protobuf" in plain.json()["message"]
    brotli = client.post("/v1/traces", content=b"..", headers={**PROTOBUF, "Content-Encoding": "br"})
    assert brotli.status_code == 415
    assert status_of(brotli.content, "application/x-protobuf").message.startswith("unsupported Content-Encoding")


def test_parameters_of_the_content_type_are_accepted(client: TestClient) -> None:
    body = json.dumps(json_request([json_span("x")]))
    response = client.post("/v1/traces", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "deflate-zlib", "deflate-raw", "identity"])
def test_compressed_bodies_are_accepted(client: TestClient, engine: Engine, encoding: str) -> None:
    body = protobuf_request([json_span("x"), json_span("y")])
    if encoding == "gzip":
        body, header = gzip.compress(body), "gzip"
    elif encoding == "deflate-zlib":
        body, header = zlib.compress(body), "deflate"
    elif encoding == "deflate-raw":
        raw = zlib.compressobj(wbits=-15)
        body, header = raw.compress(body) + raw.flush(), "deflate"
    else:
        header = "identity"
    response = client.post("/v1/traces", content=body, headers={**PROTOBUF, "Content-Encoding": header})
    assert response.status_code == 200, response.content
    assert stored(engine) == 2


def test_a_truncated_gzip_stream_is_400(client: TestClient, engine: Engine) -> None:
    body = gzip.compress(protobuf_request([json_span("x")]))
    response = client.post("/v1/traces", content=body[:-12], headers={**PROTOBUF, "Content-Encoding": "gzip"})
    assert response.status_code == 400 and "truncated" in status_of(response.content, "application/x-protobuf").message
    assert stored(engine) == 0


def test_bodies_over_the_cap_are_413_even_when_they_only_grow_after_decompression(
    small_client: TestClient, engine: Engine
) -> None:
    big = json_span("big", extra={"attributes": [{"key": "blob", "value": {"stringValue": "a" * (2 * CAP)}}]})
    body = json.dumps(json_request([big])).encode()
    bomb = gzip.compress(body)
    assert len(bomb) < CAP  # small on the wire...
    for content, extra in (
        (body, {}),
        (bomb, {"Content-Encoding": "gzip"}),
        (zlib.compress(body), {"Content-Encoding": "deflate"}),
    ):
        response = small_client.post("/v1/traces", content=content, headers={**JSON, **extra})
        assert response.status_code == 413  # ...but not once inflated
        status = status_of(response.content, "application/json")
        assert status.code == Code.RESOURCE_EXHAUSTED and "smaller batches" in status.message
    assert stored(engine) == 0


def test_a_body_just_under_the_cap_is_stored(small_client: TestClient, engine: Engine) -> None:
    filler = "a" * (CAP - 2_000)
    span = json_span("fits", extra={"attributes": [{"key": "blob", "value": {"stringValue": filler}}]})
    body = json.dumps(json_request([span])).encode()
    assert len(body) <= CAP
    response = small_client.post(
        "/v1/traces", content=gzip.compress(body), headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert stored(engine) == 1


def test_only_post_is_allowed(client: TestClient) -> None:
    assert client.get("/v1/traces").status_code == 405


def test_an_unreachable_store_is_503_with_retry_after() -> None:
    # Nothing listens on port 1: the store is down, which a sender should retry rather than drop.
    down = create_engine("postgresql+psycopg2://postgres@127.0.0.1:1/mltrace", connect_args={"connect_timeout": 2})
    with TestClient(create_app(ServerSettings(database_url="sqlite://"), engine=down)) as test_client:
        response = test_client.post("/v1/traces", content=protobuf_request([json_span("x")]), headers=PROTOBUF)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    status = status_of(response.content, "application/x-protobuf")
    assert status.code == Code.UNAVAILABLE and status.message.startswith("the store is unavailable")


@pytest.mark.parametrize("media_type", ["application/protobuf", "application/x-protobuf"])
def test_a_protobuf_request_is_answered_in_kind(client: TestClient, engine: Engine, media_type: str) -> None:
    """Both names of the protobuf encoding are accepted, and each is answered under the name it was sent with."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    response = client.post(
        "/v1/traces", content=protobuf_request([json_span("in-kind")]), headers={"Content-Type": media_type}
    )
    assert response.status_code == 200 and response.headers["content-type"] == media_type
    ExportTraceServiceResponse.FromString(response.content)  # a protobuf body, not JSON
    assert stored(engine) == 1
    refused = client.post("/v1/traces", content=b"\xff\x00garbage", headers={"Content-Type": media_type})
    assert refused.status_code == 400 and refused.headers["content-type"] == media_type
    assert status_of(refused.content, "application/x-protobuf").code == Code.INVALID_ARGUMENT
