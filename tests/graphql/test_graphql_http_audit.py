"""The GraphQL-over-HTTP spec's own audit suite (npm ``graphql-http``'s ``auditServer``, run by node) against the
real server under uvicorn: no MUST fails and no SHOULD warns. (The three MAY
audits it notes are left as they are: GET with form-encoded or URL-encoded JSON ``variables``.)"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.graphql.conftest import LiveServer

UI = Path(__file__).resolve().parents[2] / "ui"
SCRIPT = UI / "scripts" / "graphql-http-audit.mjs"


# HTTP handling does not depend on the store: one backend is enough.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_graphql_http_audit_suite_passes(live_server: LiveServer) -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH (the UI build needs it too)"
    assert (UI / "node_modules" / "graphql-http").is_dir(), "graphql-http is not installed: cd ui && npm ci"
    done = subprocess.run(
        [node, str(SCRIPT), live_server.graphql_url], cwd=UI, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) > 50, done.stdout  # the whole suite ran (61 audits in graphql-http 1.23)
    failing = [r for r in results if r["name"].startswith("MUST") and r["status"] != "ok"]
    warning = [r for r in results if r["name"].startswith("SHOULD") and r["status"] != "ok"]
    report = "\n".join(f"{r['status']}: {r['name']}: {r['reason']}" for r in failing + warning)
    assert not failing and not warning, report
