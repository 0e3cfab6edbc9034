"""Where the store lives and how long a dependency stays fresh.

Resolution order for the database address, first match wins:
1. an explicit argument (``configure(database_url=...)``, ``--database-url``, ``set_db_uri``),
2. ``MLTRACE_DATABASE_URL``,
3. ``DB_URI`` (mltrace's whole-URI variable),
4. ``DB_SERVER`` (mltrace's Postgres host; same credentials as mltrace's docker-compose),
5. the embedded SQLite default, ``~/.mltrace/mltrace.db``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_STALENESS_WINDOW = timedelta(days=30)
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

_override: str | None = None


class ConfigError(ValueError):
    """A configuration value that cannot work; the message says which and why."""


def default_sqlite_url() -> str:
    home = Path(os.environ.get("MLTRACE_HOME", Path.home() / ".mltrace"))
    return f"sqlite:///{home / 'mltrace.db'}"


def set_database_url(url: str | None) -> None:
    """Process-wide override, used by mltrace's ``set_db_uri``."""
    global _override
    _override = validate_database_url(url) if url else None


def database_url(explicit: str | None = None) -> str:
    if explicit:
        return validate_database_url(explicit)
    if _override:
        return _override
    for var in ("MLTRACE_DATABASE_URL", "DB_URI"):
        value = os.environ.get(var)
        if value:
            return validate_database_url(value, source=var)
    server = os.environ.get("DB_SERVER")
    if server:
        # mltrace's docker-compose: user admin, password admin, database sqlalchemy.
        return validate_database_url(f"postgresql://admin:admin@{server}:5432/sqlalchemy", source="DB_SERVER")
    return default_sqlite_url()


def validate_database_url(url: str, *, source: str = "database URL") -> str:
    """Reject addresses that cannot work before anything connects, with a message that says why."""
    try:
        parsed: URL = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"{source} {url!r} is not a database URL; expected e.g. "
            "'sqlite:///path/to/mltrace.db' or 'postgresql://user@host:5432/dbname'"
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgres":
        # Heroku-style and mltrace-era URLs; SQLAlchemy only knows "postgresql".
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(
            f"{source} {url!r} uses backend {backend!r}; mltrace-otel stores runs in {' or '.join(SUPPORTED_BACKENDS)}"
        )
    if backend == "postgresql" and parsed.get_driver_name() not in ("psycopg2", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if backend == "postgresql" and not parsed.database:
        raise ConfigError(f"{source} {url!r} names no database; add '/dbname' at the end")
    return parsed.render_as_string(hide_password=False)


def staleness_window() -> timedelta:
    raw = os.environ.get("MLTRACE_STALENESS_DAYS")
    if not raw:
        return DEFAULT_STALENESS_WINDOW
    try:
        days = float(raw)
    except ValueError as exc:
        raise ConfigError(f"MLTRACE_STALENESS_DAYS={raw!r} is not a number of days") from exc
    if days <= 0:
        raise ConfigError(f"MLTRACE_STALENESS_DAYS={raw!r} must be positive")
    return timedelta(days=days)


def threshold_seconds(value: object) -> float:
    """A staleness threshold as a run records it: a positive number of seconds, else ValueError saying why."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"staleness_threshold must be a number of seconds (got {value!r})")
    if not value > 0:
        raise ValueError(f"staleness_threshold must be a positive number of seconds (got {value!r})")
    return float(value)
