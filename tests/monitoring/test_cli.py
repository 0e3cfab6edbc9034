"""``mltrace tasks`` and ``mltrace task NAME``, from the database and through a server, the same answers."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from graphql_server.settings import ServerSettings
from mltrace_otel.cli.commands.tasks import sparkline
from mltrace_otel.cli.main import app
from tests.monitoring.planting import HOUR, NS, T0, obs, plant
from tests.otlp.conftest import running_server


def _plant(engine: Engine) -> None:
    rows = []
    for hour in range(6):  # accuracy climbs 0, 0.2, ..., 1.0; outputs shift at hour 4
        for i in range(10):
            oid = f"{hour}-{i}"
            pred = i % 2 if hour < 4 else 1
            rows.append(obs("output", "clicks", oid, pred, T0 + hour * HOUR + i * 60 * NS))
            right = i < 2 * hour
            rows.append(obs("feedback", "clicks", oid, pred if right else 1 - pred, T0 + 7 * HOUR))
    rows.append(obs("output", "quiet", "q", 1.5, T0))
    plant(engine, rows)


def test_sparkline_scales_and_leaves_gaps() -> None:
    assert sparkline([0.0, 0.25, 1.0, None]) == "▁▃█ "
    assert sparkline([None, None]) == "  "
    assert sparkline([2.0, 2.0]) == "▅▅"


def test_tasks_and_task_read_the_same_from_the_database_and_a_server(db_url: str, engine: Engine) -> None:
    _plant(engine)
    runner = CliRunner()
    local = runner.invoke(app, ["--database-url", db_url, "tasks", "--json"])
    assert local.exit_code == 0, local.output
    found = json.loads(local.output)
    assert [t["name"] for t in found] == ["clicks", "quiet"]
    assert found[0]["drift"]["drifted"] is False  # the latest hour is like the one before it
    args = ["task", "clicks", "--step", "3600", "--windows", "6", "--json"]
    view = json.loads(runner.invoke(app, ["--database-url", db_url, *args]).output)
    assert [p["value"] for p in view["series"]] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert [p["drifted"] for p in view["drift"]] == [False, False, False, False, True, False]
    text = runner.invoke(app, ["--database-url", db_url, "task", "clicks", "--windows", "6"])
    assert text.exit_code == 0
    assert "▁▂▄▅▇█" in text.output and "latest 1, min 0, max 1" in text.output and "DRIFTED in 1 window" in text.output
    with running_server(ServerSettings(database_url=db_url)) as base:
        remote = json.loads(runner.invoke(app, ["--server", base, *args]).output)
        remote_tasks = json.loads(runner.invoke(app, ["--server", base, "tasks", "--json"]).output)
    assert [p["value"] for p in remote["series"]] == [p["value"] for p in view["series"]]
    assert [p["drifted"] for p in remote["drift"]] == [p["drifted"] for p in view["drift"]]
    assert [t["name"] for t in remote_tasks] == ["clicks", "quiet"]


def test_an_unknown_task_or_metric_is_a_clear_error(db_url: str, engine: Engine) -> None:
    _plant(engine)
    runner = CliRunner()
    unknown = runner.invoke(app, ["--database-url", db_url, "task", "nope"])
    assert unknown.exit_code == 1 and "task 'nope'" in unknown.output
    bad = runner.invoke(app, ["--database-url", db_url, "task", "clicks", "--metric", "auroc"])
    assert bad.exit_code == 2 and "built-in metrics are" in bad.output
