"""Bad input gets an error that says what was wrong and what to do; odd attribute values are stored as they came."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry import trace
from sqlalchemy import Engine

import mltrace_otel as mltrace
from mltrace_otel import ConfigError, InvalidArgument, NotFound
from mltrace_otel.config import database_url, validate_database_url
from mltrace_otel.queries.runs import get_run, history, recent_runs
from mltrace_otel.store.ingest import ingest_spans
from tests.core.conftest import Store
from tests.helpers import run_record


def test_unknown_and_malformed_run_ids(store: Store) -> None:
    with pytest.raises(NotFound, match=r"^no run 'ffffffffffffffff'$"):
        mltrace.get_component_run_information("ffffffffffffffff")
    with pytest.raises(InvalidArgument, match=r"run id 'run-42' is not 16 hexadecimal characters"):
        mltrace.get_component_run_information("run-42")
    with pytest.raises(NotFound, match="no run"):
        mltrace.add_notes_to_component_run("00000000000000aa", "hello")
    with pytest.raises(NotFound, match="no run"):
        mltrace.get_recent_run_ids(last_run_id="00000000000000aa")


def test_unknown_components(store: Store) -> None:
    with pytest.raises(NotFound, match=r"^no component 'trian'$"):
        mltrace.get_history("trian")
    with pytest.raises(NotFound, match="no component 'trian'"):
        mltrace.get_component_information("trian")
    with pytest.raises(NotFound, match="no component 'trian'"):
        mltrace.tag_component("trian", ["x"])
    mltrace.create_component("train")
    with pytest.raises(InvalidArgument, match="at least one non-empty tag"):
        mltrace.tag_component("train", ["", "  "])
    with pytest.raises(InvalidArgument, match="component name must not be empty"):
        mltrace.create_component(" ")
    assert mltrace.get_components(tag="no-such-tag") == []


def test_unknown_outputs(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no output 'pred-9'; no stored run lists it among its outputs"):
        mltrace.backtrace("pred-9")
    with pytest.raises(NotFound, match="no output 'pred-9'"):
        mltrace.web_trace("pred-9")
    with pytest.raises(NotFound, match="no IO pointer 'pred-9'; it appears once a stored run reads or writes it"):
        mltrace.flag_output_id("pred-9")
    with pytest.raises(NotFound, match="no IO pointer 'pred-9'"):
        mltrace.unflag_output_id("pred-9")


def test_bad_paging_and_date_arguments(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(InvalidArgument, match="first must be >= 0"):
            recent_runs(conn, first=-1)
        with pytest.raises(InvalidArgument, match=r"first must be <= 1000 \(got 5000\); page with after=endCursor"):
            recent_runs(conn, first=5000)
        with pytest.raises(InvalidArgument, match="is not one this server issued"):
            recent_runs(conn, after="garbage!")
        with pytest.raises(InvalidArgument, match="since is after until; swap them"):
            history(conn, "etl", since_ns=10, until_ns=5)
        with pytest.raises(InvalidArgument, match="not 16 hexadecimal"):
            get_run(conn, "")


def test_history_with_dates_the_wrong_way_round(store: Store) -> None:
    mltrace.create_component("etl")
    with pytest.raises(InvalidArgument, match="swap them"):
        mltrace.get_history("etl", date_lower=datetime(2024, 2, 1, tzinfo=UTC), date_upper=datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"'not a url' is not a database URL; expected e\.g\. 'sqlite:///path/to/mltrace\.db'"),
        ("mysql://u@h/db", r"uses backend 'mysql'; mltrace-otel stores runs in sqlite or postgresql"),
        ("postgresql://u@localhost:5432", r"names no database; add '/dbname' at the end"),
        ("://", "is not a database URL"),
    ],
)
def test_malformed_database_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_database_url(url)
    with pytest.raises(ConfigError, match=message):
        mltrace.configure(url)
    with pytest.raises(ConfigError, match=message):
        mltrace.set_db_uri(url)


def test_a_malformed_url_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLTRACE_DATABASE_URL", "sqlit:/oops")
    with pytest.raises(ConfigError, match=r"MLTRACE_DATABASE_URL 'sqlit:/oops'"):
        database_url()
    monkeypatch.delenv("MLTRACE_DATABASE_URL")
    monkeypatch.setenv("DB_URI", "oracle://x@y/z")
    with pytest.raises(ConfigError, match=r"DB_URI.*backend 'oracle'"):
        database_url()


def test_an_engine_made_from_a_plain_postgresql_url_uses_psycopg2(pg_database: Any) -> None:
    """SQLAlchemy 2.1 would pick psycopg 3 for it; our bulk writes use psycopg2's cursor."""
    from sqlalchemy import text

    from mltrace_otel.store.engine import create_store_engine
    from tests.conftest import pg_url

    url = pg_url(pg_database.info.dbname).replace("postgresql+psycopg2://", "postgresql://")
    engine = create_store_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert engine.dialect.driver == "psycopg2"
    engine.dispose()


def test_mltrace_era_addresses_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert validate_database_url("postgres://u:p@db:5432/x") == "postgresql+psycopg2://u:p@db:5432/x"
    monkeypatch.setenv("DB_SERVER", "db.internal")
    assert database_url() == "postgresql+psycopg2://admin:admin@db.internal:5432/sqlalchemy"
    monkeypatch.setenv("DB_URI", "postgresql://me@elsewhere/mine")
    assert database_url() == "postgresql+psycopg2://me@elsewhere/mine"
    monkeypatch.setenv("MLTRACE_DATABASE_URL", "sqlite:///first.db")
    assert database_url() == "sqlite:///first.db"


def test_malformed_spans_are_rejected_with_a_reason_and_the_rest_stored(engine: Engine) -> None:
    good = run_record("good", 0, 1)
    bad = [
        replace(run_record("bad", 0, 1), span_id="XYZ"),
        replace(run_record("bad", 0, 1), trace_id="0" * 32),
        replace(run_record("bad", 5, 6), end_ns=1),
        replace(run_record("bad", 0, 1), status_code="FINE"),
        replace(run_record("bad", 0, 1), kind="SIDEWAYS"),
        replace(run_record("bad", 0, 1), start_ns=0),
    ]
    result = ingest_spans(engine, [*bad, good])
    assert result.stored == 1 and result.new_span_ids == [good.span_id]
    reasons = [r.reason for r in result.rejected]
    assert len(reasons) == 6
    for fragment in [
        "span id must be 16 lowercase hex",
        "trace id must be 32 lowercase hex characters, not all zero",
        "before it starts",
        "status code 'FINE' is not one of",
        "span kind 'SIDEWAYS' is not one of",
        "start and end times must be set",
    ]:
        assert any(fragment in r for r in reasons), fragment


def test_attribute_values_of_unexpected_types_are_stored_as_they_came(engine: Engine) -> None:
    odd = {
        "nested": {"a": {"b": [1, 2, {"c": None}]}},
        "blob": b"\x00\x01binary",
        "ratio": float("nan"),
        "big": 2**62,
        "mixed": [1, "two", 3.0, None, True],
        "empty_list": [],
        "mltrace.inputs": 12345,  # a number where a list of names was expected
        "mltrace.outputs": ["ok.csv", 7, "", None],
        "mltrace.tags": "single-tag",
        "mltrace.notes": {"not": "text"},
        "text with NUL": "a\x00b",
    }
    run = run_record("odd", 0, 1, attributes=odd)
    result = ingest_spans(engine, [run])
    assert result.stored == 1 and result.rejected == []
    with engine.connect() as conn:
        stored = get_run(conn, run.span_id)
        from mltrace_otel.queries.runs import run_io_by_ids

        io = run_io_by_ids(conn, [run.span_id])[run.span_id]
    attrs = stored.attributes
    assert attrs["nested"] == {"a": {"b": [1, 2, {"c": None}]}}
    assert attrs["big"] == 2**62
    assert attrs["mixed"] == [1, "two", 3.0, None, True]
    assert attrs["empty_list"] == []
    assert attrs["mltrace.inputs"] == 12345
    assert isinstance(attrs["blob"], str) and attrs["blob"]  # bytes arrive base64-encoded
    assert attrs["ratio"] == "nan" or (isinstance(attrs["ratio"], float) and math.isnan(attrs["ratio"]))
    assert attrs["text with NUL"] in ("a\x00b", "a\ufffdb")  # Postgres cannot hold NUL in text
    assert io.inputs == ["12345"]
    assert sorted(io.outputs) == ["7", "ok.csv"]
    assert stored.notes == "{'not': 'text'}"


def test_odd_attribute_values_from_the_sdk_never_break_a_pipeline(store: Store) -> None:
    tracer = trace.get_tracer("odd")
    with tracer.start_as_current_span("odd", attributes={"mltrace.component": "odd_sdk"}) as span:
        span.set_attribute("bytes", b"\xff\xfe")
        span.set_attribute("floats", [1.5, float("inf")])
        span.set_attribute("mltrace.outputs", ("a.csv", "b.csv"))  # a tuple, as the SDK keeps sequences
    with tracer.start_as_current_span("after", attributes={"mltrace.component": "after"}):
        pass
    run = store.only_run("odd_sdk")
    assert store.io(run.id).outputs == ["a.csv", "b.csv"]
    assert run.attributes["floats"][0] == 1.5
    assert len(store.runs("after")) == 1
