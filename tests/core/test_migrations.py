"""Alembic migrations: from an empty database, applied twice, down and up again, next to foreign tables."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import CheckConstraint, Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from mltrace_otel.openlineage.events import EVENT_TYPES
from mltrace_otel.store.engine import create_store_engine, get_engine
from mltrace_otel.store.migrate import current_revision, downgrade, head_revision, upgrade
from mltrace_otel.store.models import OPENLINEAGE_EVENT_TYPES, metadata

OUR_TABLES = set(metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table_and_index(empty_db_url: str) -> None:
    assert _tables(empty_db_url) == set()
    engine = create_store_engine(empty_db_url)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        inspector = inspect(engine)
        assert OUR_TABLES | {"alembic_version"} <= set(inspector.get_table_names())
        for table in metadata.tables.values():
            stored = {ix["name"] for ix in inspector.get_indexes(table.name)}
            declared = {ix.name for ix in table.indexes}
            assert declared <= stored, f"{table.name}: missing {declared - stored}"
    finally:
        engine.dispose()


def test_columns_with_a_closed_set_of_values_refuse_others(empty_db_url: str) -> None:
    engine = create_store_engine(empty_db_url)
    try:
        upgrade(engine)
        inspector = inspect(engine)
        for table in metadata.tables.values():
            stored = {ck["name"] for ck in inspector.get_check_constraints(table.name)}
            declared = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
            assert declared <= stored, f"{table.name}: missing {declared - stored}"
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text("INSERT INTO run_edges (consumer_id, producer_id, via, kind) VALUES ('a', 'b', 'x', 'oi')")
            )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO io_pointers (name, kind, created_ns) VALUES ('x', 'table', 1)"))
    finally:
        engine.dispose()


def test_openlineage_event_types_are_the_receivers_and_the_database_refuses_others(empty_db_url: str) -> None:
    assert OPENLINEAGE_EVENT_TYPES == EVENT_TYPES  # the store's constraint and the receiver agree
    engine = create_store_engine(empty_db_url)
    insert = text(
        "INSERT INTO openlineage_events (run_id, event_hash, event_type, event_time_ns, body, received_ns) "
        "VALUES (:run, :hash, :type, 1, '{}', 1)"
    )
    try:
        upgrade(engine)
        with engine.begin() as conn:
            for i, kind in enumerate(EVENT_TYPES):
                conn.execute(insert, {"run": "r", "hash": str(i), "type": kind})
        for bad in ("DONE", "complete"):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(insert, {"run": "r", "hash": bad, "type": bad})
        downgrade(engine, "i16_monitoring")  # the rows survive the copy SQLite's batch mode makes, both ways
        with engine.begin() as conn:
            conn.execute(insert, {"run": "r", "hash": "x", "type": "DONE"})
            conn.execute(text("DELETE FROM openlineage_events WHERE event_type = 'DONE'"))
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM openlineage_events")).scalar_one() == len(EVENT_TYPES)
    finally:
        engine.dispose()


def test_upgrading_twice_is_a_no_op_that_keeps_data(empty_db_url: str) -> None:
    engine = create_store_engine(empty_db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO code_snapshots (hash, content) VALUES ('h', 'print(1)')"))
        upgrade(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT content FROM code_snapshots")).scalar_one() == "print(1)"
    finally:
        engine.dispose()


def test_the_shared_engine_migrates_an_empty_database_on_first_use(empty_db_url: str) -> None:
    engine = get_engine(empty_db_url)
    assert current_revision(engine) == head_revision()
    assert get_engine(empty_db_url) is engine  # one engine per address, reused


def test_downgrade_removes_only_our_tables_and_upgrade_restores_them(empty_db_url: str) -> None:
    engine = create_store_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE customer_orders (id INTEGER PRIMARY KEY, total INTEGER)"))
            conn.execute(text("INSERT INTO customer_orders VALUES (1, 99)"))
        upgrade(engine)
        downgrade(engine)
        assert current_revision(engine) is None
        remaining = _tables(empty_db_url)
        assert "customer_orders" in remaining
        assert not (OUR_TABLES & remaining)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert _tables(empty_db_url) >= OUR_TABLES
        with engine.connect() as conn:
            assert conn.execute(text("SELECT total FROM customer_orders")).scalar_one() == 99
    finally:
        engine.dispose()


def test_several_processes_starting_at_once_migrate_once(empty_db_url: str) -> None:
    engines = [create_store_engine(empty_db_url) for _ in range(4)]
    errors: list[BaseException] = []

    def start(engine: object) -> None:
        try:
            upgrade(engine)  # type: ignore[arg-type]
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert all(current_revision(e) == head_revision() for e in engines)
    finally:
        for e in engines:
            e.dispose()


def _revision_before(revision: str) -> str:
    from alembic.script import ScriptDirectory

    from mltrace_otel.store.migrate import _config

    found = ScriptDirectory.from_config(_config()).get_revision(revision)
    assert found is not None and isinstance(found.down_revision, str)
    return found.down_revision


def _stored_run(conn: Connection, span_id: str, start: int, end: int, status: str, io: list[tuple[str, str]]) -> None:
    """A run as revisions before i11_failed_producers stored it (raw rows: today's ingest writes columns they lack)."""
    conn.execute(
        text(
            "INSERT INTO spans (span_id, trace_id, name, kind, start_ns, end_ns, status_code, component, attributes,"
            " events, links, resource, scope, ingested_ns) VALUES (:id, :trace, 'c', 'INTERNAL', :start, :end,"
            " :status, 'c', '{}', '[]', '[]', '{}', '{}', 0)"
        ),
        {"id": span_id, "trace": "ab" * 16, "start": start, "end": end, "status": status},
    )
    for direction, pointer in io:
        conn.execute(
            text(
                "INSERT INTO run_io (span_id, direction, pointer, component, start_ns, end_ns)"
                " VALUES (:id, :direction, :pointer, 'c', :start, :end)"
            ),
            {"id": span_id, "direction": direction, "pointer": pointer, "start": start, "end": end},
        )


def test_the_failed_producers_revision_marks_failed_io_and_re_chooses_their_edges(empty_db_url: str) -> None:
    engine = create_store_engine(empty_db_url)
    try:
        upgrade(engine, _revision_before("i11_failed_producers"))
        with engine.begin() as conn:
            _stored_run(conn, "00000000000000a1", 0, 10, "OK", [("out", "model.pkl")])
            _stored_run(conn, "00000000000000a2", 20, 30, "ERROR", [("out", "model.pkl")])
            _stored_run(conn, "00000000000000a3", 40, 50, "UNSET", [("in", "model.pkl")])
            _stored_run(conn, "00000000000000a4", 60, 70, "UNSET", [("out", "other.csv")])
            # Earlier revisions chose the latest producer whatever its status.
            conn.execute(
                text(
                    "INSERT INTO run_edges (consumer_id, producer_id, via, kind) VALUES"
                    " ('00000000000000a3', '00000000000000a2', 'model.pkl', 'io')"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            failed = dict(conn.execute(text("SELECT span_id, failed FROM run_io WHERE direction = 'out'")).all())
            edges = conn.execute(text("SELECT consumer_id, producer_id, via FROM run_edges")).all()
        assert {k: bool(v) for k, v in failed.items()} == {
            "00000000000000a1": False,
            "00000000000000a2": True,
            "00000000000000a4": False,
        }
        assert [tuple(e) for e in edges] == [("00000000000000a3", "00000000000000a1", "model.pkl")]
    finally:
        engine.dispose()
