"""failed runs do not produce: run_io knows whether its run failed, and whether lineage follows an input

Revision ID: i11_failed_producers
Revises: i15_openlineage
Create Date: 2026-11-30

A failed run keeps its intended outputs, but the latest *successful* producer of a pointer is its producer when
one exists. Choosing it must stay one index seek, so each IO row carries its run's outcome and the producer index
leads with it. Stored edges that pointed at a failed producer are chosen again under the new rule.
``traced`` is false for the inputs of a run that named its dependencies itself (mltrace 0.17's
``set_dependencies_from_inputs=False``); every stored input was traced so far.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i11_failed_producers"
down_revision = "i15_openlineage"
branch_labels = None
depends_on = None

_OUT = sa.text("direction = 'out'")

# The producer rule as it stands at this revision (store/edges.py holds the live copy): successful producers
# first, each tier the latest that ended before the consumer started, else the latest that started before it.
_RECHOOSE = sa.text(
    """
INSERT INTO run_edges (consumer_id, producer_id, via, kind)
SELECT chosen.consumer_id, chosen.producer_id, chosen.via, 'io' FROM (
    SELECT a.span_id AS consumer_id, a.pointer AS via, COALESCE(
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.pointer AND o.direction = 'out' AND o.failed = :no AND o.end_ns <= a.start_ns
             AND o.span_id <> a.span_id
         ORDER BY o.end_ns DESC, o.span_id DESC LIMIT 1),
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.pointer AND o.direction = 'out' AND o.failed = :no AND o.start_ns < a.start_ns
             AND o.span_id <> a.span_id
         ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1),
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.pointer AND o.direction = 'out' AND o.failed = :yes AND o.end_ns <= a.start_ns
             AND o.span_id <> a.span_id
         ORDER BY o.end_ns DESC, o.span_id DESC LIMIT 1),
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.pointer AND o.direction = 'out' AND o.start_ns < a.start_ns AND o.span_id <> a.span_id
         ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1)
    ) AS producer_id
    FROM run_io a
    WHERE a.direction = 'in'
        AND a.pointer IN (SELECT f.pointer FROM run_io f WHERE f.direction = 'out' AND f.failed = :yes)
) chosen
WHERE chosen.producer_id IS NOT NULL
"""
).bindparams(no=False, yes=True)


def upgrade() -> None:
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch_op.add_column(sa.Column("traced", sa.Boolean(), nullable=False, server_default=sa.text("true")))
        batch_op.drop_index("ix_run_io_out_end")
        batch_op.create_index(
            "ix_run_io_out_failed_end",
            ["pointer", "failed", "end_ns", "span_id"],
            unique=False,
            postgresql_where=_OUT,
            sqlite_where=_OUT,
        )
    op.execute(
        sa.text(
            "UPDATE run_io SET failed = :yes WHERE span_id IN (SELECT span_id FROM spans WHERE status_code = 'ERROR')"
        ).bindparams(yes=True)
    )
    # Only pointers a failed run wrote can change producer.
    op.execute(
        sa.text(
            "DELETE FROM run_edges WHERE kind = 'io' AND via IN "
            "(SELECT f.pointer FROM run_io f WHERE f.direction = 'out' AND f.failed = :yes)"
        ).bindparams(yes=True)
    )
    op.execute(_RECHOOSE)


def downgrade() -> None:
    # Edges chosen successful-first stay as they are: the previous revision re-chooses an edge only when a late
    # producer of its pointer arrives.
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.drop_index("ix_run_io_out_failed_end")
        batch_op.create_index(
            "ix_run_io_out_end",
            ["pointer", "end_ns", "span_id"],
            unique=False,
            postgresql_where=_OUT,
            sqlite_where=_OUT,
        )
        batch_op.drop_column("traced")
        batch_op.drop_column("failed")
