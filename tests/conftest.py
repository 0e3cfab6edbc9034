"""Fixtures shared by every suite: each store test runs on SQLite *and* the real Postgres.

Postgres is the server at 127.0.0.1:5432 (``make test`` starts it when it is down). A template database is
migrated once per session and cloned per test (milliseconds). Nothing here skips: if Postgres is unreachable,
the Postgres half of the suite fails, loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_postgresql import factories
from sqlalchemy import Engine, create_engine

from mltrace_otel.config import set_database_url
from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.migrate import upgrade

PG_HOST = os.environ.get("MLTRACE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("MLTRACE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("MLTRACE_TEST_PG_USER", "postgres")


def pg_url(dbname: str) -> str:
    return f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def _migrate_template(host: str, port: Any, user: str, dbname: str, password: str | None, **_: Any) -> None:
    engine = create_engine(pg_url(dbname))
    try:
        upgrade(engine)
    finally:
        engine.dispose()


# MLTRACE_TEST_PG_DB: a database name of its own for each test session that runs at the same time as others.
PG_DBNAME = os.environ.get("MLTRACE_TEST_PG_DB", "mltrace_otel_tests")
pg_server = factories.postgresql_noproc(
    host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DBNAME, load=[_migrate_template]
)
pg_database = factories.postgresql("pg_server")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty store; every test using it runs once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mltrace.db'}"
    else:
        conn = request.getfixturevalue("pg_database")
        url = pg_url(conn.info.dbname)
    yield url
    # Pooled connections must close before pytest-postgresql drops the database.
    dispose_engines()
    set_database_url(None)


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def configured(db_url: str) -> Iterator[str]:
    """``mltrace_otel.configure`` pointed at the test store; shut down (flushed) afterwards."""
    import mltrace_otel

    mltrace_otel.configure(db_url)
    yield db_url
    mltrace_otel.shutdown()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's ~/.mltrace, and ignore their database variables."""
    monkeypatch.setenv("MLTRACE_HOME", str(tmp_path_factory.mktemp("mltrace-home")))
    for var in ("MLTRACE_DATABASE_URL", "DB_URI", "DB_SERVER", "TRACEPARENT", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(var, raising=False)
