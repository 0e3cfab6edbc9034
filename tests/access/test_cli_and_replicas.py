"""`mltrace keys` and `mltrace audit` on a database; a revocation seen at once by another server process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from typer.testing import CliRunner

from graphql_server.app import create_app
from mltrace_otel.cli.main import app
from tests.access.conftest import keys_settings
from tests.graphql.conftest import free_port
from tests.graphql.dags import small_pipeline

runner = CliRunner()


def cli(db_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--database-url", db_url, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_keys_create_list_revoke_and_audit(db_url: str, engine: Engine) -> None:
    code, out, err = cli(db_url, "keys", "create", "--name", "ci-pipeline", "--scope", "ingest")
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("mlt_") and len(secret) > 40 and "shown only now" in err
    assert cli(db_url, "keys", "create", "--name", "ci-pipeline", "--scope", "read")[0] == 2  # names are unique
    code, _, err = cli(db_url, "keys", "create", "--name", "x", "--scope", "write")
    assert code == 2 and "unknown scope 'write'" in err
    with engine.connect() as conn:  # the store holds the hash, never the key
        assert secret not in json.dumps([list(r) for r in conn.exec_driver_sql("SELECT * FROM api_keys")])

    code, out, _ = cli(db_url, "keys", "list", "--json")
    assert [(k["name"], k["scopes"], k["revoked"]) for k in json.loads(out)] == [("ci-pipeline", "ingest", None)]
    assert cli(db_url, "keys", "revoke", "ci-pipeline")[0] == 0
    assert json.loads(cli(db_url, "keys", "list", "--json")[1])[0]["revoked"]
    code, _, err = cli(db_url, "keys", "revoke", "nobody")
    assert code == 1 and "no API key 'nobody'" in err

    code, out, _ = cli(db_url, "audit", "--json")
    entries = json.loads(out)
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("key.revoke", "key:ci-pipeline"),
        ("key.create", "key:ci-pipeline"),
    ]
    assert all(e["actor"].startswith("local:") for e in entries)


def test_serve_refuses_an_open_server_on_a_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLTRACE_AUTH", raising=False)
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "MLTRACE_AUTH=off" in result.stderr and "--insecure" in result.stderr


def _serve(db_url: str, port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MLTRACE_AUTH": "keys", "MLTRACE_DATABASE_URL": db_url}
    log = (tmp_path / f"server-{port}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "mltrace_otel.cli.main", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_revocation_is_seen_at_once_by_another_server_process(db_url: str, engine: Engine, tmp_path: Path) -> None:
    small_pipeline(engine)
    admin = cli(db_url, "keys", "create", "--name", "admin", "--scope", "admin")[1].strip()
    reader = cli(db_url, "keys", "create", "--name", "dashboard", "--scope", "read")[1].strip()
    port = free_port()
    other = _serve(db_url, port, tmp_path)
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        query = {"query": "{ tags }"}
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.post(url, json=query, headers={"Authorization": f"Bearer {reader}"}, timeout=5)
                break
            except httpx.TransportError:
                assert other.poll() is None and time.monotonic() < deadline, (
                    tmp_path / f"server-{port}.log"
                ).read_text()
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json() == {"data": {"tags": ["ml"]}}
        assert httpx.post(url, json=query).status_code == 401

        with TestClient(create_app(keys_settings(db_url), engine=engine)) as this:  # this replica revokes
            done = this.post(
                "/graphql",
                json={"query": 'mutation { revokeApiKey(name: "dashboard") { revokedAt } }'},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert done.status_code == 200 and done.json()["data"]["revokeApiKey"]["revokedAt"]
        # The other process's very next request is refused: no cache stands between a key and the store.
        refused = httpx.post(url, json=query, headers={"Authorization": f"Bearer {reader}"}, timeout=5)
        assert refused.status_code == 401 and "revoked" in refused.json()["errors"][0]["message"]
    finally:
        other.terminate()
        other.wait(timeout=30)
