"""``configure(..., otlp_endpoint=...)``: the same spans go to our store and to another OTLP backend."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from sqlalchemy import select

import mltrace_otel
from graphql_server.settings import ServerSettings
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans
from tests.otlp.conftest import running_server


def span_ids(url: str) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(conn.execute(select(spans.c.span_id)).scalars())


def test_every_span_reaches_both_the_store_and_the_other_backend(configured: str, tmp_path: Path) -> None:
    # The "other backend" is a second receiver with its own store: any OTLP/HTTP backend would do.
    other_store = f"sqlite:///{tmp_path / 'other-backend.db'}"
    with running_server(ServerSettings(database_url=other_store)) as other:
        mltrace_otel.configure(configured, otlp_endpoint=other)
        tracer = trace.get_tracer("pipeline")
        for i in range(20):
            with mltrace_otel.component_run("etl", outputs=[f"part-{i}.parquet"]), tracer.start_as_current_span("q"):
                pass
            with mltrace_otel.component_run("train", inputs=[f"part-{i}.parquet"], outputs=[f"model-{i}.pt"]):
                pass
        assert mltrace_otel.flush()
    ours, theirs = span_ids(configured), span_ids(other_store)
    assert len(ours) == 60
    assert theirs == ours
