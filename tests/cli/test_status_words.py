"""One vocabulary for how a run ended: the CLI's table, its JSON and GraphQL's ``outcome`` say succeeded or failed
for the same runs (mltrace_otel.status_words; the UI's StatusTag has its own test)."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke
from tests.helpers import run_record


def test_every_view_says_succeeded_or_failed(cli: Invoke, engine: Engine, db_url: str) -> None:
    runs = {
        "words/unset": run_record("words/unset", 10, 20),
        "words/ok": run_record("words/ok", 30, 40, status="OK"),
        "words/error": run_record("words/error", 50, 60, status="ERROR"),
    }
    ingest_spans(engine, list(runs.values()))
    expected = {"words/unset": "succeeded", "words/ok": "succeeded", "words/error": "failed"}

    table = cli("recent").output
    for component, word in expected.items():
        (line,) = [line for line in table.splitlines() if runs[component].span_id in line]
        assert word in line and ("failed" in line) == (word == "failed")
    assert "UNSET" not in table and " ok" not in table

    as_json = json.loads(cli("recent", "--json").output)
    rows = as_json["runs"] if isinstance(as_json, dict) else as_json
    assert {r["component"]: r["status"] for r in rows} == expected
    assert {r["component"]: r["status_code"] for r in rows} == {
        "words/unset": "UNSET",
        "words/ok": "OK",
        "words/error": "ERROR",
    }

    with TestClient(create_app(ServerSettings(database_url=db_url))) as client:
        answer = client.post(
            "/graphql",
            json={
                "query": "{ recentRuns(first: 10) { edges { node { component { name } status { code outcome } } } } }"
            },
        ).json()
    outcomes = {
        e["node"]["component"]["name"]: e["node"]["status"]["outcome"] for e in answer["data"]["recentRuns"]["edges"]
    }
    assert outcomes == {k: v.upper() for k, v in expected.items()}
