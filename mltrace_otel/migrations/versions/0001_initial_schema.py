"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# JSONB on Postgres, JSON text on SQLite; the rowid alias on SQLite for the arrival sequence.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SEQ_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "code_snapshots",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_code_snapshots")),
    )
    op.create_table(
        "components",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("description_ns", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("owner_ns", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_components")),
    )
    op.create_table(
        "io_pointers",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("flagged", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("flagged_ns", sa.BigInteger(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_io_pointers")),
    )
    with op.batch_alter_table("io_pointers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_io_pointers_flagged",
            ["flagged"],
            unique=False,
            postgresql_where=sa.text("flagged"),
            sqlite_where=sa.text("flagged"),
        )

    op.create_table(
        "run_edges",
        sa.Column("consumer_id", sa.String(length=16), nullable=False),
        sa.Column("producer_id", sa.String(length=16), nullable=False),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.PrimaryKeyConstraint("consumer_id", "producer_id", "via", name=op.f("pk_run_edges")),
    )
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.create_index("ix_run_edges_producer", ["producer_id", "consumer_id"], unique=False)

    op.create_table(
        "run_io",
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("pointer", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
    )
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.create_index("ix_run_io_span_id", ["span_id"], unique=False)
        batch_op.create_index(
            "ix_run_io_out_end",
            ["pointer", "end_ns", "span_id"],
            unique=False,
            postgresql_where=sa.text("direction = 'out'"),
            sqlite_where=sa.text("direction = 'out'"),
        )
        batch_op.create_index("ix_run_io_pointer_start", ["pointer", "direction", "start_ns", "span_id"], unique=False)

    op.create_table(
        "component_tags",
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["component"],
            ["components.name"],
            name=op.f("fk_component_tags_component_components"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("component", "tag", name=op.f("pk_component_tags")),
    )
    with op.batch_alter_table("component_tags", schema=None) as batch_op:
        batch_op.create_index("ix_component_tags_tag", ["tag"], unique=False)

    op.create_table(
        "spans",
        sa.Column("seq", SEQ_ID, autoincrement=True, nullable=False),
        sa.Column("span_id", sa.String(length=16), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("parent_span_id", sa.String(length=16), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=False),
        sa.Column("end_ns", sa.BigInteger(), nullable=False),
        sa.Column("status_code", sa.String(length=8), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("component", sa.Text(), nullable=True),
        sa.Column("git_hash", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("service_name", sa.Text(), nullable=True),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("events", JSON, nullable=False),
        sa.Column("links", JSON, nullable=False),
        sa.Column("resource", JSON, nullable=False),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("ingested_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["code_hash"], ["code_snapshots.hash"], name=op.f("fk_spans_code_hash_code_snapshots")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_spans")),
        sa.UniqueConstraint("span_id", name=op.f("uq_spans_span_id")),
    )
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.create_index("ix_spans_component_start", ["component", "start_ns", "span_id"], unique=False)
        batch_op.create_index(
            "ix_spans_run_start",
            ["start_ns", "span_id"],
            unique=False,
            postgresql_where=sa.text("component IS NOT NULL"),
            sqlite_where=sa.text("component IS NOT NULL"),
        )
        batch_op.create_index("ix_spans_trace_id", ["trace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spans", schema=None) as batch_op:
        batch_op.drop_index("ix_spans_trace_id")
        batch_op.drop_index(
            "ix_spans_run_start",
            postgresql_where=sa.text("component IS NOT NULL"),
            sqlite_where=sa.text("component IS NOT NULL"),
        )
        batch_op.drop_index("ix_spans_component_start")

    op.drop_table("spans")
    with op.batch_alter_table("component_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_component_tags_tag")

    op.drop_table("component_tags")
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.drop_index("ix_run_io_pointer_start")
        batch_op.drop_index("ix_run_io_out_end")
        batch_op.drop_index("ix_run_io_span_id")

    op.drop_table("run_io")
    with op.batch_alter_table("run_edges", schema=None) as batch_op:
        batch_op.drop_index("ix_run_edges_producer")

    op.drop_table("run_edges")
    with op.batch_alter_table("io_pointers", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_io_pointers_flagged", postgresql_where=sa.text("flagged"), sqlite_where=sa.text("flagged")
        )

    op.drop_table("io_pointers")
    op.drop_table("components")
    op.drop_table("code_snapshots")
