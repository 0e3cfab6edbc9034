"""The bulk write paths that ordinary ingest seldom takes, exercised directly on both stores."""

from __future__ import annotations

from sqlalchemy import Engine, select

from mltrace_otel.store.bulk import writer_for
from mltrace_otel.store.models import spans
from mltrace_otel.store.rows import SPAN_COLUMNS, run_facts, span_row
from tests.helpers import run_record


def test_conflict_fallback_stores_each_span_once(engine: Engine) -> None:
    """The path taken when another transaction stores a span between our lookup and our COPY."""
    records = [run_record("train", i, i + 1, inputs=[f"in{i}.csv"], attributes={"k": "v\tx\\y"}) for i in range(3)]
    rows = [span_row(r, run_facts(r), 1)[0] for r in records]
    with engine.begin() as conn:
        writer = writer_for(conn)
        if conn.dialect.name == "postgresql":
            writer._insert_rows("spans", SPAN_COLUMNS, rows[:2], ("span_id",), "RETURNING span_id")  # type: ignore[attr-defined]
            first = {r[0] for r in writer.cursor.fetchall()}
            writer._insert_rows("spans", SPAN_COLUMNS, rows, ("span_id",), "RETURNING span_id")  # type: ignore[attr-defined]
            second = {r[0] for r in writer.cursor.fetchall()}
        else:
            first = writer.insert_new_spans(SPAN_COLUMNS, rows[:2])
            second = writer.insert_new_spans(SPAN_COLUMNS, rows)
    assert first == {records[0].span_id, records[1].span_id}
    assert second == {records[2].span_id}
    with engine.connect() as conn:
        stored = conn.execute(select(spans.c.span_id, spans.c.attributes)).all()
    assert len(stored) == 3
    assert all(attrs["k"] == "v\tx\\y" for _, attrs in stored)


def test_insert_ignore_skips_existing_keys(engine: Engine) -> None:
    rows = [("b.csv", "data", 1), ("a.pkl", "model", 1)]
    with engine.begin() as conn:
        writer = writer_for(conn)
        writer.insert_ignore("io_pointers", ("name", "kind", "created_ns"), rows, ("name",))
        writer.insert_ignore("io_pointers", ("name", "kind", "created_ns"), [("a.pkl", "data", 2)], ("name",))
    with engine.connect() as conn:
        kinds = dict(conn.exec_driver_sql("SELECT name, kind FROM io_pointers").all())
    assert kinds == {"b.csv": "data", "a.pkl": "model"}


def test_rows_keep_odd_text_and_64_bit_integers(engine: Engine) -> None:
    """Rows travel to Postgres as one JSON parameter: quotes, escapes, newlines and non-ASCII text come back as
    they went, and integers near 2**63 stay exact."""
    names = ['q"uote.csv', "back\\slash.csv", "tab\tand\nnewline.csv", "ünïcødé/数据.parquet", "emoji-🙂.pkl"]
    big = 2**63 - 1
    rows = [(name, "data", big - i) for i, name in enumerate(names)]
    with engine.begin() as conn:
        writer_for(conn).insert_ignore("io_pointers", ("name", "kind", "created_ns"), rows, ("name",))
    with engine.connect() as conn:
        stored = set(conn.exec_driver_sql("SELECT name, kind, created_ns FROM io_pointers").all())
    assert stored == set(rows)
