"""CHECK constraint on openlineage_events.event_type

Revision ID: i12_event_type_check
Revises: i16_monitoring
Create Date: 2026-12-01

The OpenLineage spec's run-event types (START, RUNNING, COMPLETE, ABORT, FAIL, OTHER); the receiver refuses any other
value and stores a missing one as OTHER (openlineage/events.py), so every stored row already holds one of them. SQLite
cannot add a constraint to a table: batch mode copies it (it has no index besides its primary key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i12_event_type_check"
down_revision = "i16_monitoring"
branch_labels = None
depends_on = None

# The values as of this revision: a migration is a snapshot, so they are written here, not imported.
EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
NAME = "ck_openlineage_events_event_type"
CONDITION = f"event_type IN ({', '.join(repr(v) for v in EVENT_TYPES)})"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(op.f(NAME), "openlineage_events", CONDITION)
        return
    with op.batch_alter_table("openlineage_events", recreate="always") as batch:
        batch.create_check_constraint(op.f(NAME), sa.text(CONDITION))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f(NAME), "openlineage_events", type_="check")
        return
    with op.batch_alter_table("openlineage_events", recreate="always") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
