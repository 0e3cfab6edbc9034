"""The installed `mltrace` console script, run as users run it, on runs recorded by the real instrumentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import Engine

import mltrace_otel

MLTRACE = Path(sys.executable).with_name("mltrace")


def mltrace(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert MLTRACE.exists(), f"the console script is not installed next to {sys.executable}; pip install -e ."
    return subprocess.run(
        [str(MLTRACE), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_help_lists_every_command() -> None:
    result = mltrace("--help")
    assert result.returncode == 0, result.stderr
    for command in ("recent", "history", "inspect", "trace", "lineage", "components", "tags", "tag", "flag"):
        assert command in result.stdout
    for command in ("unflag", "review", "notes", "serve", "db", "clear"):
        assert command in result.stdout


def test_a_recorded_pipeline_end_to_end(configured: str) -> None:
    with mltrace_otel.component_run("etl", inputs=["raw.csv"], outputs=["clean.csv"]):
        pass
    with mltrace_otel.component_run("train", inputs=["clean.csv"], outputs=["model.pkl"]) as run:
        train_id = run.id
    mltrace_otel.flush()

    graph = json.loads(mltrace("--database-url", configured, "trace", "model.pkl", "--json").stdout)
    assert graph["roots"] == [train_id]
    assert sorted(r["component"] for r in graph["runs"]) == ["etl", "train"]

    # The library's configuration is the default address.
    recent = mltrace("recent", "--json", env={"MLTRACE_DATABASE_URL": configured})
    assert recent.returncode == 0, recent.stderr
    assert [r["component"] for r in json.loads(recent.stdout)["runs"]] == ["train", "etl"]

    flagged = mltrace("--database-url", configured, "flag", "model.pkl")
    assert (flagged.returncode, flagged.stdout.strip()) == (0, "Flagged model.pkl.")
    table = mltrace("--database-url", configured, "trace", "model.pkl")
    assert "⚑ flagged: model.pkl" in table.stdout


def test_a_user_error_is_one_line_and_an_exit_code(engine: Engine, db_url: str) -> None:
    result = mltrace("--database-url", db_url, "inspect", "00000000000fffff")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: no run '00000000000fffff'; list ids with `mltrace recent`"
    assert result.stdout == ""


def test_serve_starts_the_server_that_answers_the_cli(engine: Engine, db_url: str) -> None:
    from mltrace_otel.store.ingest import ingest_spans
    from tests.cli.conftest import _free_port
    from tests.helpers import run_record

    run = run_record("etl", 0, 1, outputs=["clean.csv"])
    ingest_spans(engine, [run])
    port = _free_port()
    server = subprocess.Popen(
        [str(MLTRACE), "--database-url", db_url, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                    break
            except OSError:
                assert server.poll() is None, f"mltrace serve exited: {server.stderr.read() if server.stderr else ''}"
                assert time.monotonic() < deadline, "mltrace serve did not answer /healthz within 30 s"
                time.sleep(0.1)
        recent = mltrace("--server", f"127.0.0.1:{port}", "recent", "--json")
        assert recent.returncode == 0, recent.stderr
        assert [r["id"] for r in json.loads(recent.stdout)["runs"]] == [run.span_id]
    finally:
        server.terminate()
        server.wait(timeout=15)
