"""indexes that let retention delete what purged runs leave behind (code snapshots, OpenLineage events)

Revision ID: i17_purge_leftovers
Revises: i12_event_type_check
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i17_purge_leftovers"
down_revision = "i12_event_type_check"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Deleting a snapshot checks that no span refers to it (the foreign key's own check too): without an index,
    # one scan of spans per snapshot. A hash index (equality only, ~20 bytes an entry against ~90 for a btree of
    # 64-character hashes), and only over spans that carry code.
    op.create_index(
        "ix_spans_code_hash",
        "spans",
        ["code_hash"],
        postgresql_using="hash",
        postgresql_where=sa.text("code_hash IS NOT NULL"),
        sqlite_where=sa.text("code_hash IS NOT NULL"),
    )
    op.create_index("ix_openlineage_runs_span", "openlineage_runs", ["span_id"])


def downgrade() -> None:
    op.drop_index("ix_openlineage_runs_span", table_name="openlineage_runs")
    op.drop_index("ix_spans_code_hash", table_name="spans")
