"""Empty the store: every row of mltrace-otel's own tables, and nothing else in the database.

The schema and its Alembic version stay, so the store is immediately usable again. Tables of other applications
that share the database are never touched: only the tables of our ``metadata`` are named. Who may do what (API keys,
sessions) and the audit trail stay: clearing is itself an audited change, not a way to erase the record.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete

from mltrace_otel.store.models import metadata

KEPT = frozenset({"api_keys", "sessions", "audit_log"})


def clear_store(conn: Connection) -> dict[str, int]:
    """Delete every row of mltrace-otel's tables in one transaction; returns rows deleted per table."""
    deleted: dict[str, int] = {}
    # Children before parents, so foreign keys hold at every step (SQLite enforces them row by row).
    for table in reversed(metadata.sorted_tables):
        if table.name in KEPT:
            continue
        deleted[table.name] = int(conn.execute(delete(table)).rowcount)
    return deleted
