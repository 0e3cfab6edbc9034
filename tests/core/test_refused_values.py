"""What the databases refuse, decided before the transaction or span by span after it: lone surrogates and NUL are
replaced (the same bad name always gives the same stored name, so lineage still joins), an index key too large
for Postgres rejects its span by name, a span the database refuses for a reason of its own is isolated and
rejected alone, and every failure is classified as the store's or the span's."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from mltrace_otel.store.faults import Fault, classify
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.isolation import write_isolating
from mltrace_otel.store.rows import prepare_spans
from mltrace_otel.store.text import storable_text
from tests.conftest import pg_url
from tests.core.conftest import Store
from tests.helpers import count_statements, refuse_spans, run_record


def test_storable_text_replaces_what_no_database_accepts() -> None:
    assert storable_text("plain.csv") == "plain.csv"
    assert storable_text("data/caf\u00e9.csv") == "data/caf\u00e9.csv"  # valid Unicode is kept
    assert storable_text("bad-\udcff.csv") == "bad-\\xff.csv"  # os.fsdecode's escape of byte 0xff
    assert storable_text("half-\ud83d-pair") == "half-\\ud83d-pair"
    assert storable_text("nul\x00here") == "nul\ufffdhere"


def test_lone_surrogates_and_nul_are_stored_replaced_and_lineage_still_joins(engine: Engine) -> None:
    bad = "data/\udcffraw.csv"
    producer = run_record(
        "extract", 0, 1, outputs=[bad], attributes={"note\udc80": "ok\x00\udcfe", "mltrace.tags": ["t\udcff"]}
    )
    consumer = run_record("clean", 2, 3, inputs=[bad])
    named = replace(run_record("x\udcffy", 4, 5), name="span \udcff", status_message="failed \udcff")
    result = ingest_spans(engine, [producer, consumer, named])
    assert (result.stored, result.rejected) == (3, [])
    store = Store(str(engine.url.render_as_string(hide_password=False)))
    assert list(store.io(producer.span_id).outputs) == ["data/\\xffraw.csv"]
    assert store.dependencies(consumer.span_id) == {producer.span_id}  # the same bad name joins
    with engine.connect() as conn:
        attributes = conn.execute(
            text("SELECT attributes FROM spans WHERE span_id = :id"), {"id": producer.span_id}
        ).scalar_one()
        tags = conn.execute(text("SELECT tag FROM component_tags")).scalars().all()
        name, message = conn.execute(
            text("SELECT name, status_message FROM spans WHERE span_id = :id"), {"id": named.span_id}
        ).one()
    stored = attributes if isinstance(attributes, dict) else json.loads(attributes)
    assert stored["note\\x80"] == "ok\ufffd\\xfe"
    assert tags == ["t\\xff"]
    assert (name, message) == ("span \\xff", "failed \\xff")


def test_a_component_and_tag_too_large_for_one_index_key_reject_their_span_by_name(engine: Engine) -> None:
    big = run_record("c" * 1_400, 0, 1, attributes={"mltrace.tags": ["t" * 1_400]})
    fine = run_record("fine", 0, 1, attributes={"mltrace.tags": ["t" * 1_000]})
    result = ingest_spans(engine, [big, fine])
    assert result.new_span_ids == [fine.span_id]
    (rejected,) = result.rejected
    assert rejected.span_id == big.span_id
    assert "its component name and a tag are 2800 bytes together, over the 2600-byte limit" in rejected.reason


def test_spans_the_database_refuses_are_isolated_and_rejected_alone(engine: Engine) -> None:
    refuse_spans(engine, "NEW.name = 'bad'", "refused by the site's own rule")
    records = [run_record(f"c{i}", i, i + 1, outputs=[f"o{i}"]) for i in range(300)]
    for i in (7, 150, 151, 299):
        records[i] = replace(records[i], name="bad")
    with count_statements(engine) as counter:
        result = write_isolating(engine, prepare_spans(records))
    assert result.stored == 296
    assert sorted(r.span_id for r in result.rejected) == sorted(records[i].span_id for i in (7, 150, 151, 299))
    assert all("the database refused it" in r.reason and "site's own rule" in r.reason for r in result.rejected)
    assert counter.count < 300  # halving, not one transaction per span
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM spans")).scalar_one() == 296


def test_store_level_failures_are_raised_for_a_retry_not_blamed_on_spans(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE run_io RENAME TO run_io_moved")
    try:
        with pytest.raises(Exception) as raised:
            write_isolating(engine, prepare_spans([run_record("c", 0, 1, outputs=["o"])]))
        assert classify(raised.value).fault is Fault.STORE
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE run_io_moved RENAME TO run_io")


def test_unreachable_and_busy_stores_are_unavailable_not_the_spans_fault(db_url: str) -> None:
    with pytest.raises(psycopg2.OperationalError) as refused:
        psycopg2.connect(host="127.0.0.1", port=1, user="x", dbname="x", connect_timeout=2)
    assert classify(refused.value).fault is Fault.UNAVAILABLE
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        waiter = sqlite3.connect(str(url.database), timeout=0.05)
        try:
            with pytest.raises(sqlite3.OperationalError) as locked:
                waiter.execute("INSERT INTO code_snapshots VALUES ('h', 'x')")
            assert classify(locked.value).fault is Fault.UNAVAILABLE
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            waiter.close()
        return
    # Postgres: a lock another transaction holds, with a lock timeout (55P03), and a deadlock (40P01).
    first, second = (create_engine(db_url) for _ in range(2))
    with first.connect() as a, second.connect() as b:
        ta, tb = a.begin(), b.begin()
        a.exec_driver_sql("LOCK TABLE code_snapshots IN ACCESS EXCLUSIVE MODE")
        b.exec_driver_sql("SET lock_timeout = '50ms'")
        with pytest.raises(DBAPIError) as timed_out:
            b.exec_driver_sql("SELECT * FROM code_snapshots")
        assert classify(timed_out.value).fault is Fault.UNAVAILABLE
        ta.rollback()
        tb.rollback()
    first.dispose()
    second.dispose()
    errors: list[BaseException] = []

    def cross(order: tuple[str, str]) -> None:
        with create_engine(db_url).connect() as conn, conn.begin():
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({order[0]})")
            barrier.wait()
            try:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({order[1]})")
            except DBAPIError as exc:
                errors.append(exc)

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=cross, args=(o,)) for o in (("11", "12"), ("12", "11"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    (deadlock,) = errors
    assert classify(deadlock).fault is Fault.UNAVAILABLE


def test_values_and_constraints_are_the_spans_fault() -> None:
    assert classify(UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed")).fault is Fault.SPAN
    assert classify(sqlite3.IntegrityError("CHECK constraint failed")).fault is Fault.SPAN
    assert classify(sqlite3.OperationalError("no such table: spans")).fault is Fault.STORE
    assert classify(sqlite3.OperationalError("database is locked")).fault is Fault.UNAVAILABLE
    conn = psycopg2.connect(pg_url("postgres").replace("postgresql+psycopg2", "postgresql"))
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.Error) as too_big:
            cur.execute("SELECT repeat('x', 3000)::varchar(10)::char(1)::int")
        assert classify(too_big.value).fault is Fault.SPAN  # 22P02 invalid_text_representation: a value
    finally:
        conn.close()
