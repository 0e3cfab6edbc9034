"""Dialect-aware INSERT ... ON CONFLICT builders (SQLite and Postgres share the syntax, not the classes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignore(conn: Connection, table: Table, key: list[str]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, batched.

    ``.returning`` matters on psycopg2: without it SQLAlchemy 2.1 sends one round trip per row for an ON CONFLICT
    insert; with it, multi-row VALUES batches again (and tells which rows were new).
    """
    stmt = dialect_insert(conn, table).on_conflict_do_nothing(index_elements=key)
    return stmt.returning(*(table.c[k] for k in key))
