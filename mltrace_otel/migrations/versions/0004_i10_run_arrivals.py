"""run_arrivals: stored runs numbered in commit order, for live subscribers

Revision ID: i10_run_arrivals
Revises: i11_failed_producers
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i10_run_arrivals"
down_revision = "i11_failed_producers"
branch_labels = None
depends_on = None

# An autoincrementing BIGINT on Postgres; on SQLite the rowid alias with AUTOINCREMENT, so a number is never
# handed out twice, even after the newest rows were deleted (`mltrace clear`).
SEQ_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Starts empty: runs stored before it existed are history to a subscriber, never news.
    op.create_table(
        "run_arrivals",
        sa.Column("seq", SEQ_ID, autoincrement=True, nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_run_arrivals")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("run_arrivals")
