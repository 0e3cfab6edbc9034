"""Alembic migrations, applied automatically at start (no ini file: the package carries its scripts)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

# Any constant shared by every mltrace-otel process; serialises concurrent upgrades on one Postgres.
_MIGRATION_LOCK_KEY = 7_420_170_001


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "mltrace_otel:migrations")
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe when several servers start at once."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends, so a second server waits, then finds nothing to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        else:
            # pysqlite runs DDL outside any transaction: take SQLite's write lock first, so a process starting
            # at the same moment waits (busy_timeout), then finds the schema current instead of racing it.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            if MigrationContext.configure(conn).get_current_revision() == head_revision():
                return
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
