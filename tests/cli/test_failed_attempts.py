"""A newer failed attempt at a run's outputs, on the command line, from the database and from a server."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from mltrace_otel.cli.main import app
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


def _recorded(engine: Engine) -> tuple[SpanRecord, SpanRecord]:
    good = run_record("train", 0, 1, outputs=["model.pkl"])
    failed = run_record("train", 2, 3, outputs=["model.pkl"], status="ERROR")
    ingest_spans(engine, [good, failed])
    return good, failed


@pytest.mark.parametrize("mode", ["database", "server"])
def test_the_cli_shows_a_newer_failed_attempt(
    mode: str, db_url: str, engine: Engine, request: pytest.FixtureRequest
) -> None:
    good, failed = _recorded(engine)
    where = ["--database-url", db_url] if mode == "database" else ["--server", request.getfixturevalue("server_url")]
    runner = CliRunner()
    trace = runner.invoke(app, [*where, "trace", "model.pkl"])
    assert trace.exit_code == 0, trace.output
    lines = trace.stdout.splitlines()
    assert good.span_id in lines[1] and "newer attempt failed (1)" in lines[1]
    assert any(f"✗ a newer attempt failed: train run {failed.span_id}" in line for line in lines[2:])
    inspect = runner.invoke(app, [*where, "inspect", good.span_id, "--json"])
    assert inspect.exit_code == 0, inspect.output
    assert '"newer_failed_attempts"' in inspect.stdout and failed.span_id in inspect.stdout
