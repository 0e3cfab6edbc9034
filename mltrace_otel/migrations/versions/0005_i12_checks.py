"""CHECK constraints on the columns with a closed set of values

Revision ID: i12_checks
Revises: i10_run_arrivals
Create Date: 2026-12-01

Ingest validates these values already (span_record.py, pointers.py); the constraints make the database say so too,
so a writer of our own that forgets cannot store a value no reader knows. SQLite cannot add a constraint to a
table, so there batch mode copies each table once (its indexes, partial ones included, are created again).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i12_checks"
down_revision = "i10_run_arrivals"
branch_labels = None
depends_on = None

# The values as of this revision: a migration is a snapshot, so they are written here, not imported.
CHECKS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "spans": {
        "ck_spans_kind": ("kind", ("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER", "UNSPECIFIED")),
        "ck_spans_status_code": ("status_code", ("UNSET", "OK", "ERROR")),
    },
    "io_pointers": {"ck_io_pointers_kind": ("kind", ("data", "model", "endpoint", "unknown"))},
    "run_io": {"ck_run_io_direction": ("direction", ("in", "out"))},
    "run_edges": {"ck_run_edges_kind": ("kind", ("io", "link"))},
}


def condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _partial_indexes(table: str) -> list[tuple[str, str]]:
    """SQLite's CREATE INDEX statements of ``table`` that carry a WHERE clause, which batch mode's reflection
    does not keep: they are dropped before the copy and created again after it."""
    rows = op.get_bind().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '% WHERE %'",
        (table,),
    )
    return [(name, sql) for name, sql in rows]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, checks in CHECKS.items():
        if not sqlite:
            for name, (column, values) in checks.items():
                op.create_check_constraint(op.f(name), table, condition(column, values))
            continue
        partial = _partial_indexes(table)
        for name, _ in partial:
            op.drop_index(name, table_name=table)
        with op.batch_alter_table(table, recreate="always") as batch:
            for name, (column, values) in checks.items():
                batch.create_check_constraint(op.f(name), sa.text(condition(column, values)))
        for _, sql in partial:
            op.execute(sql)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, checks in CHECKS.items():
        if not sqlite:
            for name in checks:
                op.drop_constraint(op.f(name), table, type_="check")
            continue
        partial = _partial_indexes(table)
        for name, _ in partial:
            op.drop_index(name, table_name=table)
        with op.batch_alter_table(table, recreate="always") as batch:
            for name in checks:
                batch.drop_constraint(op.f(name), type_="check")
        for _, sql in partial:
            op.execute(sql)
