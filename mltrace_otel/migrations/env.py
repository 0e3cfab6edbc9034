"""Alembic environment: runs on the connection mltrace-otel hands over (see store/migrate.py)."""

from __future__ import annotations

from alembic import context

from mltrace_otel.store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("mltrace-otel migrations run through mltrace_otel.store.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
