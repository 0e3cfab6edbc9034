"""Bulk writes for ingest, one implementation per backend, both working on plain tuples.

Ingest is the hot path (its goal and figures: docs/design.md §9), so it bypasses SQLAlchemy's per-row parameter
processing:
- Postgres: COPY. Spans go straight into ``spans`` after one lookup of which ids already exist; if another
  transaction stores one of them in between (a duplicate delivered twice at once), the COPY fails on the unique
  index, we roll back to a savepoint and take ``INSERT ... ON CONFLICT DO NOTHING`` instead. Tables that can
  conflict (pointers, tags, snapshots) take ``INSERT ... SELECT FROM json_array_elements(rows) ON CONFLICT DO
  NOTHING``, and the edge repair reads the batch's IO from such a parameter too: no temp tables, whose TRUNCATE
  and ON COMMIT cleanup each cost file-system work. Rows travel as one JSON array of arrays (``json.dumps`` in
  C, parsed by Postgres in C), several times cheaper per row than psycopg2's per-element adaptation of one array
  parameter per column.
- SQLite: the transaction starts with ``BEGIN IMMEDIATE`` (the write lock up front, so "which spans are new"
  cannot change under us), then the C-level ``executemany``; the edge repair reads the batch's IO from
  connection-local temp tables (``stage_*``), which SQLite keeps cheaply.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection

from mltrace_otel.span_record import json_value
from mltrace_otel.store.text import has_lone_surrogate, storable

_CHUNK = 2_000
# COPY text format: backslash escapes for the four characters that would break a row.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# Scratch tables for the set-based edge repair (store/edges.py): the batch's new inputs and outputs, and the
# already-stored consumers a late producer may re-point.
SCRATCH_TABLES = {
    "stage_new_inputs": ("consumer_id", "via", "start_ns"),
    "stage_new_outputs": ("producer_id", "pointer", "start_ns"),
    "stage_affected": ("consumer_id", "via", "start_ns"),
}
# Deleting re-pointed edges looks each one up here; without the index SQLite scans the table per edge.
_SCRATCH_INDEXES = {"stage_affected": "consumer_id, via"}
_SCRATCH_TYPES = {"consumer_id": "TEXT", "producer_id": "TEXT", "via": "TEXT", "pointer": "TEXT", "start_ns": "BIGINT"}


# One encoder for every call: json.dumps with options builds a new JSONEncoder each time (~0.7 us of ~2.7 us).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def dumps(value: Any) -> str:
    """Compact JSON both databases accept: NUL and lone surrogates replaced as store/text.py says."""
    try:
        text = _ENCODE(value)
    except (TypeError, ValueError):
        # Bytes, NaN or other objects in a hand-built record: store their JSON reading, never fail the batch.
        value = json_value(value)
        text = _ENCODE(value)
    if "\\u0000" in text or has_lone_surrogate(text):
        text = _ENCODE(storable(value))
    return text


class BulkWriter(Protocol):
    def insert_new_spans(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> set[str]:
        """Insert the span rows whose span_id is not stored yet; return the ids that were new."""

    def insert_ignore(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], key: Sequence[str]
    ) -> None:
        """Insert rows, skipping those whose ``key`` already exists."""

    def append(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows that cannot conflict (they belong to spans new in this transaction)."""

    def relation(self, name: str, rows: list[tuple[Any, ...]]) -> tuple[str, dict[str, Any]]:
        """A FROM-clause fragment holding ``rows`` as relation ``name`` (columns: SCRATCH_TABLES[name]),
        and the bound parameters it needs."""


def writer_for(conn: Connection) -> BulkWriter:
    return PostgresBulkWriter(conn) if conn.dialect.name == "postgresql" else SqliteBulkWriter(conn)


def begin_ingest(conn: Connection) -> None:
    """Start the ingest transaction the way the backend needs (SQLite: take the write lock now)."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_BIGINT_COLUMNS = {"start_ns", "end_ns", "created_ns", "ingested_ns", "description_ns", "owner_ns"}
_JSONB_COLUMNS = {"attributes", "events", "links", "resource", "scope"}


def _pg_type(column: str) -> str:
    if column in _BIGINT_COLUMNS:
        return "bigint"
    return "jsonb" if column in _JSONB_COLUMNS else "text"


def _scratch_ddl(name: str, suffix: str = "") -> list[str]:
    cols = ", ".join(f"{c} {_SCRATCH_TYPES[c]}" for c in SCRATCH_TABLES[name])
    ddl = [f"CREATE TEMP TABLE IF NOT EXISTS {name} ({cols}){suffix}"]
    if name in _SCRATCH_INDEXES:
        ddl.append(f"CREATE INDEX IF NOT EXISTS ix_{name} ON {name} ({_SCRATCH_INDEXES[name]})")
    return ddl


class PostgresBulkWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cursor = conn.connection.cursor()

    def _copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _copy_buffer(rows), size=1 << 20)

    def _insert_rows(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], key: Sequence[str], returning: str = ""
    ) -> None:
        # One JSON parameter holding every row: a single statement and round trip for any number of rows.
        cols = ", ".join(columns)
        self.cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {_json_columns(columns)} FROM json_array_elements(%s::json) e "
            f"ON CONFLICT ({', '.join(key)}) DO NOTHING {returning}",
            (_json_rows(rows),),
        )

    def insert_new_spans(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> set[str]:
        import psycopg2

        id_index = list(columns).index("span_id")
        self.cursor.execute(
            "SELECT span_id FROM spans WHERE span_id IN (SELECT json_array_elements_text(%s::json))",
            (_json_rows([r[id_index] for r in rows]),),
        )
        existing = {r[0] for r in self.cursor.fetchall()}
        fresh = [r for r in rows if r[id_index] not in existing]
        if not fresh:
            return set()
        self.cursor.execute("SAVEPOINT mltrace_spans")
        try:
            self._copy("spans", columns, fresh)
        except psycopg2.errors.UniqueViolation:
            # Someone stored one of these spans since our lookup: let the conflict clause sort them out.
            self.cursor.execute("ROLLBACK TO SAVEPOINT mltrace_spans")
            self._insert_rows("spans", columns, fresh, ("span_id",), "RETURNING span_id")
            return {r[0] for r in self.cursor.fetchall()}
        self.cursor.execute("RELEASE SAVEPOINT mltrace_spans")
        return {r[id_index] for r in fresh}

    def insert_ignore(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], key: Sequence[str]
    ) -> None:
        if rows:
            self._insert_rows(table, columns, rows, key)

    def append(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._copy(table, columns, rows)

    def relation(self, name: str, rows: list[tuple[Any, ...]]) -> tuple[str, dict[str, Any]]:
        columns = SCRATCH_TABLES[name]
        select = _json_columns(columns)
        return f"(SELECT {select} FROM json_array_elements(CAST(:{name} AS json)) e)", {name: _json_rows(rows)}


def _json_columns(columns: Sequence[str]) -> str:
    """The select list reading row arrays ``e`` of a JSON parameter back as typed columns (JSON null is NULL)."""
    return ", ".join(f"CAST(e->>{i} AS {_pg_type(c)}) AS {c}" for i, c in enumerate(columns))


def _json_rows(rows: Sequence[Any]) -> str:
    # Values are plain str/int/None (ingest builds rows so, NUL already replaced); JSON numbers are read back
    # through text, so 64-bit integers stay exact.
    return _ENCODE(rows)


class SqliteBulkWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cursor = conn.connection.cursor()

    def insert_new_spans(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> set[str]:
        id_index = list(columns).index("span_id")
        ids = [r[id_index] for r in rows]
        existing: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            found = self.cursor.execute(f"SELECT span_id FROM spans WHERE span_id IN ({marks})", part)
            existing.update(r[0] for r in found)
        fresh = [r for r in rows if r[id_index] not in existing]
        self.append("spans", columns, fresh)
        return {r[id_index] for r in fresh}

    def insert_ignore(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], key: Sequence[str]
    ) -> None:
        if rows:
            marks = ",".join("?" * len(columns))
            self.cursor.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def append(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            marks = ",".join("?" * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def relation(self, name: str, rows: list[tuple[Any, ...]]) -> tuple[str, dict[str, Any]]:
        for ddl in _scratch_ddl(name):
            self.cursor.execute(ddl)
        self.cursor.execute(f"DELETE FROM {name}")
        self.append(name, SCRATCH_TABLES[name], rows)
        return name, {}


_needs_escape = re.compile(r"[\\\t\n\r]").search


def _copy_field(value: Any) -> str:
    kind = type(value)
    if kind is str:
        # Most fields (ids, names, JSON without backslashes) need no escaping: one C-level scan decides.
        return value.translate(_COPY_ESCAPES) if _needs_escape(value) else value
    if value is None:
        return "\\N"
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    text = value if isinstance(value, str) else dumps(value)
    return text.translate(_COPY_ESCAPES)


# A row is fast-pathed when, joined with tabs, it has exactly one tab per separator and nothing to escape.
_needs_escape_anywhere = re.compile(r"[\\\n\r]").search


def _copy_line(row: tuple[Any, ...]) -> str:
    """One COPY text line. Rows hold str, int and None only (ingest builds them so, and replaces NUL in text,
    which Postgres cannot store), so NUL can stand for NULL until the checks are done."""
    line = "\t".join(["\x00" if v is None else v if type(v) is str else str(v) for v in row])
    if _needs_escape_anywhere(line) is None and line.count("\t") == len(row) - 1:
        return line.replace("\x00", "\\N") + "\n"
    return "\t".join([_copy_field(v) for v in row]) + "\n"


def _copy_buffer(rows: list[tuple[Any, ...]]) -> io.StringIO:
    buf = io.StringIO()
    buf.writelines(map(_copy_line, rows))
    buf.seek(0)
    return buf
