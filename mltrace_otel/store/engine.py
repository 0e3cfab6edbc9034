"""Engines, one per database address per process (mltrace opened a new engine and connection per call)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from mltrace_otel.config import database_url, validate_database_url

_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # Several processes (pipeline, server, CLI) share the file: wait for the writer instead of failing.
    cur.execute("PRAGMA busy_timeout=10000")
    # WAL: readers (UI, CLI) never block the exporter's writes, and the reverse.
    _use_wal(cur)
    # NORMAL is durable across application crashes in WAL mode; FULL only adds power-loss safety at 2x fsyncs.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # A 32 MiB page cache per connection (default 2 MiB) keeps the hot index pages of spans and run_io in
    # memory, and ingest's scratch tables live in memory: +6% ingest throughput measured at 20,000 runs.
    cur.execute("PRAGMA cache_size=-32768")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _use_wal(cur: Any, patience_s: float = 10.0) -> None:
    """Switch the file to WAL once (the mode persists in the file, so later connections only read it).

    Changing the journal mode needs the file to itself and SQLite answers "database is locked" at once, without
    its busy handler, when another connection is opening the same new file: processes starting together on a
    fresh store hit that (6% of 4-way starts here), so retry for a while.
    """
    deadline = time.monotonic() + patience_s
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def create_store_engine(url: str) -> Engine:
    """A new engine for ``url`` with the settings every part of mltrace-otel relies on."""
    # SQLAlchemy 2.1 reads a plain postgresql:// as psycopg 3; our bulk paths use psycopg2's cursor (validation
    # names the driver), and a caller with a URL of its own (a benchmark, a test) must get the same one.
    url = validate_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,  # a server restarted under a long-lived pipeline: reconnect instead of failing
        pool_size=5,
        max_overflow=10,
        connect_args={
            "connect_timeout": 5,
            "application_name": "mltrace-otel",
            # Our statements are many short index seeks; JIT compiling them costs more than it saves
            # (measured: 28 ms of a 174 ms edge repair). Our data are hot in the cache, so random reads cost
            # about what sequential ones do: at the default 4.0 the planner took a sequential scan of run_io to
            # read the IO of a 100-run page.
            "options": "-c jit=off -c random_page_cost=1.1",
        },
    )


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The shared engine for ``url`` (resolved by :func:`mltrace_otel.config.database_url`), migrated once."""
    resolved = database_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = _engines[resolved] = create_store_engine(resolved)
    if migrate and resolved not in _migrated:
        from mltrace_otel.store.migrate import upgrade

        upgrade(engine)
        _migrated.add(resolved)
    return engine


def _forget_parent_connections() -> None:
    """In a forked child: pooled connections belong to the parent (sharing one would corrupt both sessions)."""
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_parent_connections)


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _migrated.clear()


def dispose_engine(url: str) -> None:
    """Close the shared engine of one store (a throwaway store that is done with), if there is one."""
    resolved = database_url(url)
    with _lock:
        engine = _engines.pop(resolved, None)
        _migrated.discard(resolved)
    if engine is not None:
        engine.dispose()
