"""Fuzzing the receiver: whatever arrives, it answers 2xx/4xx as the spec says, stores nothing half-formed, and
``/healthz`` stays green."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from mltrace_otel.span_record import SPAN_KINDS, STATUS_CODES
from mltrace_otel.store.models import run_io, spans
from mltrace_otel.store.rows import string_list
from tests.otlp.payloads import (
    JSON,
    PROTOBUF,
    T0,
    export_response_of,
    json_request,
    json_span,
    protobuf_request,
    span_id,
    trace_id,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")

# --- strategies -------------------------------------------------------------------------------------------------

# Fresh ids for well-formed spans (hypothesis would otherwise favour all-zero bytes, which are invalid ids).
hex8 = st.builds(span_id)
hex16 = st.builds(trace_id)
ns = st.integers(min_value=T0, max_value=T0 + 10**12)
# NUL is valid UTF-8 that Postgres refuses: it must not cost a batch there.
text = st.one_of(st.text(max_size=30), st.sampled_from(["a\x00b", "\x00", "名前", ""]))
huge_text = st.sampled_from([10_000, 200_000, 1_000_000]).map(lambda n: "x" * n)
scalar_values = st.one_of(
    st.builds(lambda s: {"stringValue": s}, text),
    st.builds(lambda s: {"stringValue": s}, huge_text),
    st.builds(lambda i: {"intValue": str(i)}, st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    st.builds(lambda f: {"doubleValue": f}, st.floats(allow_nan=False, allow_infinity=False)),
    st.builds(lambda f: {"doubleValue": f}, st.sampled_from(["NaN", "Infinity", "-Infinity"])),
    st.builds(lambda b: {"boolValue": b}, st.booleans()),
    st.builds(lambda b: {"bytesValue": base64.b64encode(b).decode()}, st.binary(max_size=20)),
    st.just({}),
)
any_values = st.recursive(
    scalar_values,
    lambda children: st.one_of(
        st.builds(lambda vs: {"arrayValue": {"values": vs}}, st.lists(children, max_size=3)),
        st.builds(
            lambda kvs: {"kvlistValue": {"values": [{"key": k, "value": v} for k, v in kvs]}},
            st.lists(st.tuples(text, children), max_size=3),
        ),
    ),
    max_leaves=6,
)
pointer_lists = st.builds(
    lambda names: {"arrayValue": {"values": [{"stringValue": n} for n in names]}}, st.lists(text, max_size=4)
)
attribute_lists = st.lists(
    st.one_of(
        st.tuples(st.just("mltrace.component"), st.builds(lambda s: {"stringValue": s}, text)),
        st.tuples(st.sampled_from(["mltrace.inputs", "mltrace.outputs", "mltrace.tags"]), pointer_lists),
        st.tuples(st.sampled_from(["mltrace.component", "mltrace.inputs"]), any_values),
        st.tuples(text, any_values),
    ).map(lambda kv: {"key": kv[0], "value": kv[1]}),
    max_size=5,
)

# One way to break a well-formed span: each either gets the span rejected by name (partial success) or makes the
# whole request malformed (400).
MUTATIONS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "span id of the wrong length": st.binary(max_size=12)
    .filter(lambda b: len(b) != 8)
    .map(lambda b: {"spanId": b.hex()}),
    "span id not hex": st.text(min_size=1, max_size=20).map(lambda t: {"spanId": t}),
    "span id in base64": st.binary(min_size=8, max_size=8).map(lambda b: {"spanId": base64.b64encode(b).decode()}),
    "all-zero span id": st.just({"spanId": "0" * 16}),
    "trace id of the wrong length": st.binary(max_size=20)
    .filter(lambda b: len(b) != 16)
    .map(lambda b: {"traceId": b.hex()}),
    "parent id of the wrong length": st.binary(min_size=1, max_size=12)
    .filter(lambda b: len(b) != 8)
    .map(lambda b: {"parentSpanId": b.hex()}),
    "ends before it starts": st.just({"startTimeUnixNano": str(T0 + 10**9), "endTimeUnixNano": str(T0)}),
    "no times": st.just({"startTimeUnixNano": "0", "endTimeUnixNano": "0"}),
    "time past 2**63": st.just({"endTimeUnixNano": str(2**64 - 1)}),
    "unknown kind": st.integers(min_value=6, max_value=2**31 - 1).map(lambda k: {"kind": k}),
    "unknown status": st.integers(min_value=3, max_value=99).map(lambda c: {"status": {"code": c}}),
    "link id not hex": st.text(min_size=1, max_size=20).map(lambda t: {"links": [{"traceId": "ab" * 16, "spanId": t}]}),
    "unknown field": st.one_of(text, st.integers(), st.lists(st.integers())).map(lambda v: {"someFutureField": v}),
    "name is a number": st.integers().map(lambda n: {"name": n}),
    "name is not unicode": st.just({"name": "\ud800"}),
    "time is text": st.just({"startTimeUnixNano": "soon"}),
    "string value is a number": st.integers().map(
        lambda n: {"attributes": [{"key": "k", "value": {"stringValue": n}}]}
    ),
    "int value is text": st.sampled_from(["ten", "1.5", str(2**70)]).map(
        lambda t: {"attributes": [{"key": "k", "value": {"intValue": t}}]}
    ),
}


@st.composite
def json_spans(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(ns)
    span: dict[str, Any] = {
        "traceId": draw(hex16),
        "spanId": draw(hex8),
        "name": draw(text),
        "kind": draw(st.integers(min_value=0, max_value=5)),
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + draw(st.integers(min_value=0, max_value=10**10))),
        "attributes": draw(attribute_lists),
        "status": {"code": draw(st.integers(min_value=0, max_value=2)), "message": draw(text)},
    }
    if draw(st.booleans()):
        span["parentSpanId"] = draw(hex8)
    if draw(st.booleans()):
        span["links"] = [{"traceId": draw(hex16), "spanId": draw(hex8), "attributes": draw(attribute_lists)}]
    if draw(st.booleans()):
        span["events"] = [{"name": draw(text), "timeUnixNano": str(draw(ns)), "attributes": draw(attribute_lists)}]
    # Well-formed about half the time, so most batches mix stored and refused spans.
    mutation = draw(st.one_of(st.none(), st.sampled_from(sorted(MUTATIONS))))
    if mutation is not None:
        span.update(draw(MUTATIONS[mutation]))
    return span


@st.composite
def json_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    duplicate: bool = draw(st.booleans())
    batch: list[dict[str, Any]] = draw(st.lists(json_spans(), min_size=0, max_size=6))
    if batch and duplicate:
        batch.append(dict(batch[0]))  # a duplicate span in the same batch
    return batch


# --- the invariants -------------------------------------------------------------------------------------------


def stored_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(spans.c.span_id)).scalars())


def assert_well_formed(engine: Engine, ids: set[str]) -> None:
    """Every stored span is complete, and a stored run has exactly the IO rows its attributes name."""
    if not ids:
        return
    with engine.connect() as conn:
        rows = conn.execute(select(spans).where(spans.c.span_id.in_(ids))).mappings().all()
        io_counts: dict[str, int] = dict(
            conn.execute(
                select(run_io.c.span_id, func.count())
                .where(run_io.c.span_id.in_(ids), run_io.c.direction == "in")
                .group_by(run_io.c.span_id)
            ).all()
        )
    assert len(rows) == len(ids)
    for row in rows:
        assert _HEX16.match(row["span_id"]) and _HEX32.match(row["trace_id"])
        assert row["parent_span_id"] is None or _HEX16.match(row["parent_span_id"])
        assert 0 < row["start_ns"] <= row["end_ns"] < 2**63
        assert row["kind"] in SPAN_KINDS and row["status_code"] in STATUS_CODES
        if row["component"] is not None:
            inputs = string_list(row["attributes"].get("mltrace.inputs"))
            assert io_counts.get(row["span_id"], 0) == len(inputs)
        else:
            assert row["span_id"] not in io_counts


def post_and_check(client: TestClient, engine: Engine, body: bytes, headers: dict[str, str], sent: int) -> int:
    before = stored_ids(engine)
    response = client.post("/v1/traces", content=body, headers=headers)
    assert response.status_code in (200, 400), response.content
    assert response.headers["content-type"] == headers["Content-Type"]
    new = stored_ids(engine) - before
    if response.status_code == 400:
        assert not new
    else:
        rejected = export_response_of(response.content, headers["Content-Type"]).partial_success.rejected_spans
        assert len(new) + rejected <= sent
    assert_well_formed(engine, new)
    assert client.get("/healthz").status_code == 200
    return response.status_code


# --- the fuzzers ----------------------------------------------------------------------------------------------


@FUZZ
@given(batch=json_batches())
def test_fuzzed_json_batches(client: TestClient, engine: Engine, batch: list[dict[str, Any]]) -> None:
    body = json.dumps(json_request(batch)).encode()
    post_and_check(client, engine, body, JSON, len(batch))


@FUZZ
@given(body=st.binary(max_size=3_000), as_json=st.booleans())
def test_random_bytes(client: TestClient, engine: Engine, body: bytes, as_json: bool) -> None:
    post_and_check(client, engine, body, JSON if as_json else PROTOBUF, 10**6)


@FUZZ
@given(data=st.data())
def test_truncated_protobuf(client: TestClient, engine: Engine, data: st.DataObject) -> None:
    spans_sent = [json_span("step", inputs=["a.csv"], outputs=["b.csv"]) for _ in range(data.draw(st.integers(1, 5)))]
    body = protobuf_request(spans_sent)
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    post_and_check(client, engine, body[:cut], PROTOBUF, len(spans_sent))


@FUZZ
@given(
    ids=st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=10), st.binary(max_size=10)), max_size=5),
    kind=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_protobuf_ids_of_any_length(
    client: TestClient, engine: Engine, ids: list[tuple[bytes, ...]], kind: int
) -> None:
    request = ExportTraceServiceRequest()
    scope_spans = request.resource_spans.add().scope_spans.add()
    for trace, span, parent in ids:
        span_pb = scope_spans.spans.add(trace_id=trace, span_id=span, parent_span_id=parent, name="p", kind=kind)
        span_pb.start_time_unix_nano, span_pb.end_time_unix_nano = T0, T0 + 1
    post_and_check(client, engine, request.SerializeToString(), PROTOBUF, len(ids))


@pytest.mark.slow
def test_a_10000_span_batch_twice(client: TestClient, engine: Engine) -> None:
    batch = [
        json_span(f"c{i % 7}", start_s=i, end_s=i + 1, inputs=[f"d{i - 1}.csv"], outputs=[f"d{i}.csv"])
        if i % 2
        else json_span(None, start_s=i, end_s=i + 0.5)
        for i in range(10_000)
    ]
    body = protobuf_request(batch)
    assert post_and_check(client, engine, body, PROTOBUF, len(batch)) == 200
    assert len(stored_ids(engine)) == 10_000
    assert post_and_check(client, engine, body, PROTOBUF, len(batch)) == 200  # a re-delivery adds nothing
    assert len(stored_ids(engine)) == 10_000
