"""GET /metrics with auth on: its own scrape token or a key with the read scope; 401 without, 403 for a key that
cannot read."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from tests.access.conftest import INGEST_TOKEN, Keys, keys_settings

SCRAPE_TOKEN = "scrape-token-for-tests"


def test_a_scrape_needs_the_scrape_token_or_a_read_key(db_url: str, engine: Engine, keys: Keys) -> None:
    app = create_app(keys_settings(db_url, metrics_token=SCRAPE_TOKEN), engine=engine)
    with TestClient(app) as client:
        status = lambda headers: client.get("/metrics", headers=headers).status_code  # noqa: E731
        assert status({}) == 401
        assert status({"Authorization": "Bearer not-a-key"}) == 401
        assert status({"Authorization": f"Bearer {INGEST_TOKEN}"}) == 403  # the static ingest-only key
        assert status(keys.header("ingest")) == 403
        for allowed in (keys.header("read"), keys.header("admin"), {"Authorization": f"Bearer {SCRAPE_TOKEN}"}):
            answer = client.get("/metrics", headers=allowed)
            assert answer.status_code == 200 and "mltrace_" in answer.text
        refused = client.get("/metrics")
        assert "read scope" in refused.text and refused.headers["WWW-Authenticate"] == "Bearer"
