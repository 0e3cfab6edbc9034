"""Runs are built from rows by position: Run's fields must stay in RUN_COLUMNS' order."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine

from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import RUN_COLUMNS, get_run
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record

# Where a Run field's name differs from its column's.
_RENAMED = {"span_id": "id", "parent_span_id": "parent_id"}


def test_run_fields_follow_the_run_columns() -> None:
    columns = [_RENAMED.get(c.name, c.name) for c in RUN_COLUMNS]
    fields = [f.name.removesuffix("_json") for f in dataclasses.fields(Run)]
    assert fields == columns


def test_a_stored_run_reads_back_field_by_field(engine: Engine) -> None:
    record = run_record("train", 1, 3, inputs=["a.csv"], attributes={"mltrace.notes": "n", "k": [1, 2]})
    ingest_spans(engine, [record])
    with engine.connect() as conn:
        run = get_run(conn, record.span_id)
    assert (run.id, run.trace_id, run.parent_id, run.name, run.component) == (
        record.span_id, record.trace_id, None, "train", "train",
    )  # fmt: skip
    assert (run.start_ns, run.end_ns, run.status_code, run.notes) == (record.start_ns, record.end_ns, "UNSET", "n")
    assert run.attributes["k"] == [1, 2]
    assert (run.events, run.links, run.scope) == ([], [], {})
    assert run.seq >= 1
