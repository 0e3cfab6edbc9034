"""``mltrace spool status | drain``: what waits on this machine for which store, and storing it by hand."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli.conftest import Invoke
from tests.conftest import pg_url
from tests.core.conftest import Store
from tests.core.subprocesses import run_python

DIE_AFTER_SPOOLING = """
import os
import mltrace_otel

mltrace_otel.configure()
for i in range({runs}):
    with mltrace_otel.component_run("spooled", outputs=[f"spooled-{{i}}.csv"]):
        pass
os._exit(0)  # before the store thread gets a chance: everything stays in the spool
"""


@pytest.fixture
def later_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, object]]:
    """A Postgres store that does not exist yet, and the function that creates it (empty, migrated on use)."""
    request.getfixturevalue("pg_server")
    name = f"mltrace_spooled_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        yield pg_url(name), create
        from mltrace_otel.store.engine import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_status_with_nothing_spooled(bare_cli: Invoke) -> None:
    result = bare_cli("spool", "status")
    assert result.exit_code == 0
    assert "The spool is empty" in result.output
    assert json.loads(bare_cli("spool", "status", "--json").output) == []


def test_status_and_drain_of_a_store_that_was_down(bare_cli: Invoke, later_store: tuple[str, object]) -> None:
    url, create = later_store
    run_python(DIE_AFTER_SPOOLING.format(runs=25), url, MLTRACE_HOME=os.environ["MLTRACE_HOME"])
    status = bare_cli("spool", "status")
    assert status.exit_code == 0, status.output
    assert url.split("@")[1] in status.output
    assert "waiting: 25 spans" in status.output
    (summary,) = json.loads(bare_cli("spool", "status", "--json").output)
    assert summary["spans_waiting"] == 25 and summary["running_processes"] == []

    down = bare_cli("--database-url", url, "spool", "drain", "--wait", "1")
    assert down.exit_code == 1
    assert "did not take every spooled span within 1 s" in down.output and "25 spans still wait" in down.output

    create()  # type: ignore[operator]
    drained = bare_cli("--database-url", url, "spool", "drain", "--json")
    assert drained.exit_code == 0, drained.output
    report = json.loads(drained.output)
    assert (report["stored"], report["still_waiting"], report["complete"]) == (25, 0, True)
    assert len(Store(url).runs("spooled")) == 25
    assert "waiting: nothing" in bare_cli("spool", "status").output


def test_drain_goes_to_the_database_not_a_server(bare_cli: Invoke) -> None:
    result = bare_cli("--server", "http://127.0.0.1:9", "spool", "drain")
    assert result.exit_code == 2
    assert "works without --server" in result.output
