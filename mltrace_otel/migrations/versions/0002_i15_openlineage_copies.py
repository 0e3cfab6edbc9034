"""OpenLineage events and runs; db copy checkpoints

Revision ID: i15_openlineage
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i15_openlineage"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "openlineage_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_openlineage_runs")),
    )
    op.create_table(
        "openlineage_events",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=16), nullable=False),
        sa.Column("event_time_ns", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "event_hash", name=op.f("pk_openlineage_events")),
    )
    op.create_table(
        "store_copies",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("last_key", sa.Text(), nullable=True),
        sa.Column("rows_copied", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("done", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", "table_name", name=op.f("pk_store_copies")),
    )


def downgrade() -> None:
    op.drop_table("store_copies")
    op.drop_table("openlineage_events")
    op.drop_table("openlineage_runs")
