"""Fixtures for the core suite: a configured pipeline process and a way to read back what it stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, select, text

import mltrace_otel
from mltrace_otel.queries.linked_runs import dependencies_of
from mltrace_otel.queries.records import Run, RunIO
from mltrace_otel.queries.runs import RUN_COLUMNS, run_from_row, run_io_by_ids
from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.models import spans
from tests.conftest import pg_url


@dataclass
class Store:
    """The test store as a pipeline process sees it: flush first, then read."""

    url: str

    @property
    def engine(self) -> Engine:
        return get_engine(self.url)

    def connect(self) -> Connection:
        mltrace_otel.flush()
        return self.engine.connect()

    def runs(self, component: str | None = None) -> list[Run]:
        """Component runs (all, or of one component), oldest first."""
        stmt = select(*RUN_COLUMNS).where(spans.c.component.is_not(None))
        if component is not None:
            stmt = stmt.where(spans.c.component == component)
        with self.connect() as conn:
            return [run_from_row(r) for r in conn.execute(stmt.order_by(spans.c.start_ns, spans.c.span_id))]

    def only_run(self, component: str) -> Run:
        found = self.runs(component)
        assert len(found) == 1, f"expected one run of {component!r}, found {len(found)}"
        return found[0]

    def all_spans(self) -> list[Run]:
        with self.connect() as conn:
            return [run_from_row(r) for r in conn.execute(select(*RUN_COLUMNS).order_by(spans.c.start_ns))]

    def io(self, run_id: str) -> RunIO:
        with self.connect() as conn:
            return run_io_by_ids(conn, [run_id])[run_id]

    def dependencies(self, run_id: str) -> set[str]:
        with self.connect() as conn:
            return {e.producer_id for e in dependencies_of(conn, [run_id])[run_id]}

    def count(self, table: str) -> int:
        with self.connect() as conn:
            return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture
def store(configured: str) -> Store:
    """``mltrace_otel.configure`` pointed at a fresh store (SQLite or Postgres), and a reader for it."""
    return Store(configured)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (not even migrated), on each backend."""
    from mltrace_otel.store.engine import dispose_engines

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        dispose_engines()
        return
    request.getfixturevalue("pg_server")  # the server answers (and the suite fails loudly if it does not)
    name = f"mltrace_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield pg_url(name)
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
