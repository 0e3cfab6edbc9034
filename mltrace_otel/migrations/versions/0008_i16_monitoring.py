"""monitoring: tasks, their outputs and feedback, per-minute metric statistics

Revision ID: i16_monitoring
Revises: i17_retention
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i16_monitoring"
down_revision = "i17_retention"
branch_labels = None
depends_on = None

_COUNTS = ("n", "n_correct", "tp", "fp", "fn", "tn", "n_num", "n_ape", "n_ll")
_SUMS = ("sum_abs", "sum_sq", "sum_ape", "sum_ll")


def _observations(name: str) -> None:
    op.create_table(
        name,
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("output_id", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("span_id", sa.String(length=16), nullable=True),
        sa.Column("ingested_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("task", "output_id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_task_ts", name, ["task", "ts_ns"])


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("drift_threshold", sa.Float(), nullable=True),
        sa.Column("reference_start_ns", sa.BigInteger(), nullable=True),
        sa.Column("reference_end_ns", sa.BigInteger(), nullable=True),
        sa.Column("metrics", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tasks")),
    )
    _observations("task_outputs")
    _observations("task_feedback")
    op.create_table(
        "task_metric_buckets",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("bucket_ns", sa.BigInteger(), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=False) for c in _COUNTS),
        *(sa.Column(c, sa.Float(), nullable=False) for c in _SUMS),
        sa.PrimaryKeyConstraint("task", "bucket_ns", name=op.f("pk_task_metric_buckets")),
    )
    op.create_table(
        "task_dirty_buckets",
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("bucket_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("task", "bucket_ns", name=op.f("pk_task_dirty_buckets")),
    )


def downgrade() -> None:
    for name in ("task_dirty_buckets", "task_metric_buckets", "task_feedback", "task_outputs", "tasks"):
        op.drop_table(name)
