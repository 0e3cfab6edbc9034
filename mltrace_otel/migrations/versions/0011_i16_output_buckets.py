"""monitoring: per-minute output counts, value histograms and category counts (scrapes, the task list), and
per-class counts of the (output, feedback) pairs (multi-class precision, recall, F1); outputs by run

Revision ID: i16_output_buckets
Revises: i17_purge_leftovers
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i16_output_buckets"
down_revision = "i17_purge_leftovers"
branch_labels = None
depends_on = None

# One column per upper bound of mltrace_otel.monitoring.buckets.EDGES (a change there needs a migration).
_HISTOGRAM = tuple(f"le_{i}" for i in range(20))
_MINUTE_NS = 60 * 1_000_000_000


def upgrade() -> None:
    op.create_table(
        "task_output_buckets",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("bucket_ns", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("n_value", sa.BigInteger(), nullable=False),
        sa.Column("sum_value", sa.Float(), nullable=False),
        sa.Column("first_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_ns", sa.BigInteger(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in _HISTOGRAM),
        sa.PrimaryKeyConstraint("task", "bucket_ns", name=op.f("pk_task_output_buckets")),
    )
    op.create_table(
        "task_label_buckets",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("bucket_ns", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("task", "bucket_ns", "label", name=op.f("pk_task_label_buckets")),
    )
    op.create_table(
        "task_class_buckets",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("bucket_ns", sa.BigInteger(), nullable=False),
        sa.Column("class_key", sa.Text(), nullable=False),
        sa.Column("tp", sa.BigInteger(), nullable=False),
        sa.Column("fp", sa.BigInteger(), nullable=False),
        sa.Column("fn", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("task", "bucket_ns", "class_key", name=op.f("pk_task_class_buckets")),
    )
    # The outputs a run logged (its drift badge: monitoring/run_drift.py), found without a scan.
    op.create_index("ix_task_outputs_span_id", "task_outputs", ["span_id"])
    # Outputs stored before this revision: mark their minutes, so the next read fills the new tables.
    op.execute(
        f"INSERT INTO task_dirty_buckets (task, bucket_ns) SELECT DISTINCT o.task, o.ts_ns - o.ts_ns % {_MINUTE_NS} "
        "FROM task_outputs o WHERE NOT EXISTS (SELECT 1 FROM task_dirty_buckets d WHERE d.task = o.task "
        f"AND d.bucket_ns = o.ts_ns - o.ts_ns % {_MINUTE_NS})"
    )


def downgrade() -> None:
    op.drop_index("ix_task_outputs_span_id", table_name="task_outputs")
    op.drop_table("task_class_buckets")
    op.drop_table("task_label_buckets")
    op.drop_table("task_output_buckets")
