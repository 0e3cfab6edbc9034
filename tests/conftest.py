"""Fixtures shared by every suite: each store test runs on SQLite *and* the real Postgres.

Postgres is the server at 127.0.0.1:5432 (``make test`` starts it when it is down). A template database is
migrated once per session and cloned per test (milliseconds). Nothing here skips: if Postgres is unreachable,
the Postgres half of the suite fails, loudly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_postgresql import factories
from sqlalchemy import Engine, create_engine, make_url

from mltrace_otel.config import set_database_url
from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.migrate import upgrade

# The one address of the Postgres server the tests use (no database name: each session makes its own there).
PG_SERVER = make_url(os.environ.get("MLTRACE_TEST_PG_URL") or "postgresql://postgres@127.0.0.1:5432")
PG_HOST = PG_SERVER.host or "127.0.0.1"
PG_PORT = PG_SERVER.port or 5432
PG_USER = PG_SERVER.username or "postgres"
PG_PASSWORD = PG_SERVER.password


def pg_url(dbname: str) -> str:
    url = PG_SERVER.set(drivername="postgresql+psycopg2", database=dbname)
    return url.render_as_string(hide_password=False)


def pg_connect(dbname: str = "postgres", **kwargs: Any) -> Any:
    """A psycopg2 connection to ``dbname`` on the test server."""
    import psycopg2

    return psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD, dbname=dbname, **kwargs)


def _migrate_template(host: str, port: Any, user: str, dbname: str, password: str | None, **_: Any) -> None:
    engine = create_engine(pg_url(dbname))
    try:
        upgrade(engine)
    finally:
        engine.dispose()


# A database name of its own for each test session, so two sessions on one server never share a database (the
# process id makes it unique while the session runs; databases of sessions that died are dropped below). Under
# xdist each worker is a process of its own, so each has its own; pytest-postgresql also appends the worker's id
# ("mltrace_tests_4242gw0", and "..._tmpl" for the template).
PG_PREFIX = "mltrace_tests_"
PG_DBNAME = f"{PG_PREFIX}{os.getpid()}"
_OWNER_PID = re.compile(r"(\d+)")  # the pid a database name starts with, after the prefix


def _drop_abandoned_databases() -> None:
    """Databases of test sessions that were killed before they could drop them (their process is gone)."""
    import psutil
    import psycopg2

    try:
        admin = pg_connect(connect_timeout=3)
    except psycopg2.OperationalError:
        return  # the Postgres half of the suite reports the server as unreachable, loudly
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (PG_PREFIX + "%",))
            for (name,) in cur.fetchall():
                owner = _OWNER_PID.match(name[len(PG_PREFIX) :])
                if owner is None:
                    continue
                pid = int(owner.group(1))
                # A live pid is this session, another session or a sibling xdist worker of this run: never dropped.
                if pid != os.getpid() and not psutil.pid_exists(pid):
                    # pytest-postgresql's template copy is marked a template, which Postgres will not drop
                    cur.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false')
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


_drop_abandoned_databases()
pg_server = factories.postgresql_noproc(
    host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD, dbname=PG_DBNAME, load=[_migrate_template]
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
    """Never touch the developer's ~/.mltrace, and ignore their database variables and terminal size."""
    monkeypatch.setenv("MLTRACE_HOME", str(tmp_path_factory.mktemp("mltrace-home")))
    for var in (
        # The CLI prints 160 columns wide when piped and no COLUMNS is set; tests that want a width set it. Under
        # xdist a worker starts with COLUMNS=80 LINES=24: the controller imported readline, which exports them to
        # the C environment every child process inherits (not to its own os.environ, so one process never sees it).
        "COLUMNS",
        "LINES",
        "MLTRACE_DATABASE_URL",
        "DB_URI",
        "DB_SERVER",
        "TRACEPARENT",
        "OTEL_TRACES_EXPORTER",
        "OPENLINEAGE_URL",
        "SAVE_DIR",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def later_pg_database(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """(the address of a Postgres database that does not exist yet, the function that creates it): a store that is
    unreachable until the test says so. Dropped at the end."""
    import uuid

    from sqlalchemy import text

    request.getfixturevalue("pg_server")  # the server answers (and the suite fails loudly if it does not)
    name = f"mltrace_later_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        yield pg_url(name), create
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# ---- running in parallel (pytest-xdist, `make test` runs two workers with --dist loadgroup) ----------------------
#
# Tests one worker runs together, one after another, by where they live. Everything else is handed out test by
# test. The fault and replica suites start Postgres clusters and servers of their own and measure loss under load:
# together they never compete with each other (the fault suite plays its scenarios side by side in one session,
# which must happen once, not once per worker). A module with a module-scoped server, build or tour runs it once,
# on one worker (and test_readme's tour writes examples/data/, which every worker would share; the Node.js step's
# fixture runs `npm ci` into examples/node_step/, which deletes node_modules first: two workers at once broke it).
#
# Why not `xdist_group` marks: on pytest 9.2 xdist 3.8's loadgroup silently ignores them (it appends the group to
# `item._nodeid`, a field pytest no longer reads: pytest-xdist issue 1386), so the groups are named here and read
# from the test ids the controller already has.
XDIST_GROUPS: dict[str, str] = {
    "tests/faults/": "private-clusters",
    "tests/replicas/": "private-clusters",
    "tests/test_wheel.py": "wheel",
    "tests/test_readme.py": "readme",
    "tests/browser/test_graphiql.py": "graphiql",
    "tests/access/test_browser_signin.py": "browser-signin",
    "tests/otlp/test_node_step.py": "node-step",
}


def xdist_group_of(nodeid: str) -> str | None:
    for prefix, group in XDIST_GROUPS.items():
        if nodeid.startswith(prefix):
            return group
    return None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadgroup with the groups above: xdist's own scheduler, grouping by XDIST_GROUPS as well as by marks.

    The largest group is handed out first (xdist orders groups by size), so the long fault suite starts at once on
    one worker while the other works through the rest."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope: str = super()._split_scope(nodeid)
            if scope != nodeid:  # an xdist_group mark that did reach the id
                return scope
            return xdist_group_of(nodeid) or nodeid

    return PathGroupScheduling(config, log)
