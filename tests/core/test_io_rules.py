"""What becomes an IO pointer: mltrace's rules in the instrumentation, and tolerant parsing at ingest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from mltrace_otel.instrument.run_handle import pointer_names
from mltrace_otel.queries.records import RunIO
from mltrace_otel.queries.runs import run_io_by_ids, runs_by_ids
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.rows import string_list
from tests.helpers import run_record


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("a.csv", ["a.csv"]),
        (["a.csv", "b.csv"], ["a.csv", "b.csv"]),
        (("a.csv", None, "b.csv"), ["a.csv", "b.csv"]),
        ([["nested.csv"], ["deeper", ["deepest"]]], ["nested.csv", "deeper", "deepest"]),
        (None, []),
        ("", []),
        (b"bytes.csv", ["bytes.csv"]),
        (Path("/data/x.parquet"), ["/data/x.parquet"]),
        (42, ["42"]),
        ({"only.csv"}, ["only.csv"]),
    ],
)
def test_pointer_names_follow_mltrace(value: object, names: list[str]) -> None:
    assert pointer_names(value) == names


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (["a", "b"], ["a", "b"]),
        ("single", ["single"]),
        (["a", "a", "b"], ["a", "b"]),
        (["a", "", None], ["a"]),
        ([1, 2.5, True], ["1", "2.5", "True"]),
        (7, ["7"]),
        (None, []),
    ],
)
def test_ingest_reads_pointer_attributes_whatever_type_they_arrive_as(value: object, names: list[str]) -> None:
    assert string_list(value) == names


def test_a_pointer_both_read_and_written_is_stored_in_both_directions(engine: Engine) -> None:
    run = run_record("append", 0, 1, inputs=["log.csv", "config.yaml"], outputs=["log.csv"])
    ingest_spans(engine, [run])
    with engine.connect() as conn:
        io = run_io_by_ids(conn, [run.span_id])[run.span_id]
    assert sorted(io.inputs) == ["config.yaml", "log.csv"]
    assert io.outputs == ["log.csv"]


def test_a_run_with_no_io_is_still_a_run(engine: Engine) -> None:
    run = run_record("noop", 0, 1)
    ingest_spans(engine, [run])
    with engine.connect() as conn:
        assert run_io_by_ids(conn, [run.span_id])[run.span_id] == RunIO(inputs=[], outputs=[])
        assert runs_by_ids(conn, [run.span_id])[run.span_id].component == "noop"


def test_unicode_and_very_long_pointer_names_are_stored_exactly(engine: Engine) -> None:
    names = ["données/été.csv", "模型.pkl", "s3://bucket/" + "k" * 2000, "with space and 'quote'.csv"]
    run = run_record("unicode", 0, 1, outputs=names)
    ingest_spans(engine, [run])
    with engine.connect() as conn:
        assert sorted(run_io_by_ids(conn, [run.span_id])[run.span_id].outputs) == sorted(names)


def test_a_pointer_name_too_long_to_index_rejects_its_span_by_name(engine: Engine) -> None:
    too_long = run_record("huge", 0, 1, outputs=["s3://bucket/" + "k" * 5000])
    fine = run_record("fine", 0, 1, outputs=["ok.csv"])
    result = ingest_spans(engine, [too_long, fine])
    assert result.new_span_ids == [fine.span_id]
    (rejected,) = result.rejected
    assert rejected.span_id == too_long.span_id
    assert "mltrace.outputs is longer than 2048 bytes" in rejected.reason
