"""index of each component's outputs by end time, newest first: review's unflagged outputs without a scan

Revision ID: i17_review_outputs
Revises: i16_output_buckets
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i17_review_outputs"
down_revision = "i16_output_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Review compares flagged outputs against the newest unflagged outputs of the same components
    # (queries/review.py): one short range of this index per component instead of grouping every output row.
    op.create_index(
        "ix_run_io_out_component_end",
        "run_io",
        ["component", "end_ns"],
        postgresql_where=sa.text("direction = 'out'"),
        sqlite_where=sa.text("direction = 'out'"),
    )


def downgrade() -> None:
    op.drop_index("ix_run_io_out_component_end", table_name="run_io")
