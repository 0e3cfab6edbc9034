"""pins: outputs whose lineage retention keeps

Revision ID: i17_retention
Revises: i13_auth
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i17_retention"
down_revision = "i13_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pins",
        sa.Column("pointer", sa.Text(), nullable=False),
        sa.Column("pinned_ns", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pointer", name=op.f("pk_pins")),
    )


def downgrade() -> None:
    op.drop_table("pins")
