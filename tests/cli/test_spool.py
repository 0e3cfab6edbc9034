"""``mltrace spool status | drain``: what waits on this machine for which store, and storing it by hand."""

from __future__ import annotations

import json
import os

from tests.cli.conftest import Invoke
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


def test_status_with_nothing_spooled(bare_cli: Invoke) -> None:
    result = bare_cli("spool", "status")
    assert result.exit_code == 0
    assert "The spool is empty" in result.output
    assert json.loads(bare_cli("spool", "status", "--json").output) == []


def test_status_and_drain_of_a_store_that_was_down(bare_cli: Invoke, later_pg_database: tuple[str, object]) -> None:
    url, create = later_pg_database
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
