"""The receiver never traces itself into its own store, even when the server process is instrumented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import context, trace
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from sqlalchemy import Engine, event, select
from starlette.testclient import TestClient

import mltrace_otel
from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans
from tests.otlp.payloads import PROTOBUF, json_span, protobuf_request


@pytest.fixture
def instrumented_store(configured: str) -> Iterator[Engine]:
    """The store's engine with a span per SQL statement, as OTel's SQLAlchemy instrumentation records them:
    unless the suppression key (the one ``opentelemetry.instrumentation.utils`` checks) is set in the context."""
    engine = get_engine(configured)
    tracer = trace.get_tracer("sqlalchemy-instrumentation-stand-in")
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)
        if not context.get_value(_SUPPRESS_INSTRUMENTATION_KEY):
            tracer.start_span("db.statement", attributes={"db.statement": statement[:200]}).end()

    event.listen(engine, "before_cursor_execute", before)
    yield engine
    event.remove(engine, "before_cursor_execute", before)
    assert statements, "the stand-in instrumentation saw no SQL: the test would prove nothing"


def test_ingest_records_no_spans_of_its_own(instrumented_store: Engine) -> None:
    sent = [json_span("etl", outputs=["a.csv"]), json_span("train", inputs=["a.csv"])]
    app = create_app(ServerSettings(database_url=str(instrumented_store.url)), engine=instrumented_store)
    with TestClient(app) as client:
        for _ in range(3):
            assert client.post("/v1/traces", content=protobuf_request(sent), headers=PROTOBUF).status_code == 200
    assert mltrace_otel.flush()
    with instrumented_store.connect() as conn:
        stored = set(conn.execute(select(spans.c.name)).scalars())
    assert stored == {"etl", "train"}
