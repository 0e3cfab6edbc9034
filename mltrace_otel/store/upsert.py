"""Dialect-aware INSERT for ON CONFLICT clauses (SQLite and Postgres share the syntax, not the classes).

Bulk inserts that skip existing keys go through ``store.bulk`` (``writer_for(conn).insert_ignore``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(conn: Connection, table: Table) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)
