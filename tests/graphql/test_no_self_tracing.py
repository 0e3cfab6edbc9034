"""The server does not trace itself into its own store, even in a process whose OTel SDK exports to it."""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy import Engine, event, func, select

from mltrace_otel.store.models import spans
from tests.graphql.client import GraphQL
from tests.graphql.dags import small_pipeline


def test_api_calls_store_no_spans_and_run_with_instrumentation_suppressed(
    configured: str, api: GraphQL, engine: Engine
) -> None:
    import mltrace_otel

    small_pipeline(engine)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(spans)).scalar_one()
    suppressed: list[Any] = []

    def watch(*_: Any) -> None:
        # What an instrumented database driver checks before recording a span for this statement.
        suppressed.append(otel_context.get_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY))

    event.listen(engine, "before_cursor_execute", watch)
    try:
        api.data('{ trace(output: "predictions.csv") { dependencies { name } } recentRuns { nodes { id } } }')
        api.data('mutation { flagOutput(name: "model.pkl") { flagged } }')
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert suppressed and all(value is True for value in suppressed)

    # The process's tracer provider exports to this very store: prove it works, then that the API added nothing.
    with trace.get_tracer("test").start_as_current_span("marker", attributes={"mltrace.component": "marker"}):
        pass
    mltrace_otel.flush()
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(spans)).scalar_one()
        names = set(conn.execute(select(spans.c.name)).scalars())
    assert after == before + 1
    assert names == {"ingest", "clean", "train", "infer", "marker"}
