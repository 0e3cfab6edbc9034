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

from mltrace_otel.errors import MltraceError

DEFAULT_STALENESS_WINDOW = timedelta(days=30)
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

_override: str | None = None


class ConfigError(MltraceError, ValueError):
    """A configuration value that cannot work; the message says which and why."""

    code = "BAD_USER_INPUT"


def mltrace_home() -> Path:
    """Where the default SQLite store and the spools live (``MLTRACE_HOME``, else ``~/.mltrace``)."""
    return Path(os.environ.get("MLTRACE_HOME") or Path.home() / ".mltrace").expanduser()


def default_sqlite_url() -> str:
    return f"sqlite:///{mltrace_home() / 'mltrace.db'}"


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


def positive_number_env(var: str, unit: str) -> float | None:
    """``var`` as a positive number of ``unit``; None when unset; ConfigError saying why when malformed."""
    raw = os.environ.get(var)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{var}={raw!r} is not a number of {unit}") from exc
    if value <= 0:
        raise ConfigError(f"{var}={raw!r} must be positive")
    return value


def staleness_window() -> timedelta:
    days = positive_number_env("MLTRACE_STALENESS_DAYS", "days")
    return DEFAULT_STALENESS_WINDOW if days is None else timedelta(days=days)


def threshold_seconds(value: object) -> float:
    """A staleness threshold as a run records it: a positive number of seconds, else ValueError saying why."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"staleness_threshold must be a number of seconds (got {value!r})")
    if not value > 0:
        raise ValueError(f"staleness_threshold must be a positive number of seconds (got {value!r})")
    return float(value)


DURABILITIES = ("spool", "memory")
DEFAULT_EXIT_TIMEOUT_S = 5.0


def durability(explicit: str | None = None) -> str:
    """How ended spans wait for the store: ``spool`` (on local disk, the default) or ``memory``."""
    value = explicit if explicit is not None else os.environ.get("MLTRACE_DURABILITY") or "spool"
    if value not in DURABILITIES:
        source = "durability" if explicit is not None else "MLTRACE_DURABILITY"
        raise ConfigError(f"{source}={value!r} is not one of {', '.join(DURABILITIES)}")
    return value


def positive_number(name: str, default: float) -> float:
    """A non-negative number from the environment variable ``name`` (``default`` when unset)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number") from exc
    if value < 0 or value != value:
        raise ConfigError(f"{name}={raw!r} must be zero or more")
    return value


def exit_timeout_s() -> float:
    """How long a pipeline's exit waits for the store (``MLTRACE_EXIT_TIMEOUT_S``); what is left stays spooled."""
    return positive_number("MLTRACE_EXIT_TIMEOUT_S", DEFAULT_EXIT_TIMEOUT_S)
