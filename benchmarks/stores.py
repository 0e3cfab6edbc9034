"""Fresh, migrated stores for benchmarks: a temp SQLite file and a dedicated Postgres database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mltrace_otel.store.engine import create_store_engine
from mltrace_otel.store.migrate import upgrade

# Override with a URL of your own; the database is dropped and recreated on every run.
PG_URL = os.environ.get("MLTRACE_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/mltrace_bench")


def _recreate_pg_database(url: str) -> None:
    parsed = make_url(url)
    conn = psycopg2.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, password=parsed.password, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{parsed.database}"')
    conn.close()


@contextmanager
def fresh_store(backend: str) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of an empty, migrated store on ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mltrace-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            engine = create_store_engine(url)
            upgrade(engine)
            try:
                yield url, engine
            finally:
                engine.dispose()
        return
    with fresh_pg_store(PG_URL) as store:
        yield store


@contextmanager
def fresh_pg_store(url: str) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of the Postgres database at ``url``, dropped, created again and migrated."""
    _recreate_pg_database(url)
    engine = create_store_engine(url)
    upgrade(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()
