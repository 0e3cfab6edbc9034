"""A newer failed attempt at a run's outputs, over GraphQL: trace names the successful producer, the attempt is
listed on it, and every writer keeps its status."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.graphql.client import GraphQL
from tests.helpers import run_record


def _recorded(engine: Engine) -> tuple[SpanRecord, SpanRecord]:
    good = run_record("train", 0, 1, outputs=["model.pkl"])
    failed = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    ingest_spans(engine, [good, failed])
    return good, failed


def test_graphql_traces_the_successful_run_and_shows_the_failed_attempt(api: GraphQL, engine: Engine) -> None:
    good, failed = _recorded(engine)
    data = api.data(
        """{ trace(output: "model.pkl") {
            id newerFailedAttempts { runId component pointers endTime reason run { id status { code } } } }
          ioPointer(name: "model.pkl") { producers { id status { code } } } }"""
    )
    assert data["trace"]["id"] == good.span_id
    (attempt,) = data["trace"]["newerFailedAttempts"]
    assert (attempt["runId"], attempt["component"], attempt["pointers"]) == (failed.span_id, "train", ["model.pkl"])
    assert attempt["run"] == {"id": failed.span_id, "status": {"code": "ERROR"}}
    assert f"train run {failed.span_id} was to write model.pkl and failed" in attempt["reason"]
    # Every writer is still listed, newest first, each with its status.
    assert [(p["id"], p["status"]["code"]) for p in data["ioPointer"]["producers"]] == [
        (failed.span_id, "ERROR"),
        (good.span_id, "UNSET"),
    ]
