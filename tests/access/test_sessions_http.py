"""The sign-in routes and the cross-site rules for cookie requests, over HTTP (the browser test tries the same
from a real page of another origin)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.access.conftest import Keys, make_key
from tests.graphql.dags import small_pipeline

FLAG = 'mutation { flagOutput(name: "model.pkl") { flagged } }'


def signed_in(client: TestClient, secret: str) -> str:
    response = client.post("/auth/session", json={"key": secret})
    assert response.status_code == 200, response.text
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "max-age=" in header
    return response.cookies["mltrace_session"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sign_in_session_and_sign_out(keys_client: TestClient, engine: Engine, keys: Keys) -> None:
    small_pipeline(engine)
    assert keys_client.post("/auth/session", json={"key": "mlt_wrong"}).status_code == 401
    ingest_only = keys_client.post("/auth/session", json={"key": keys.secrets["ingest"]})
    assert ingest_only.status_code == 403 and "'read' scope" in ingest_only.json()["error"]
    token = signed_in(keys_client, keys.secrets["annotate"])
    assert keys_client.get("/auth/session").json() == {
        "mode": "keys",
        "name": "annotate",
        "scopes": ["read", "annotate"],
    }
    flagged = keys_client.post("/graphql", json={"query": FLAG})
    assert flagged.status_code == 200 and flagged.json()["data"]["flagOutput"]["flagged"]
    assert keys_client.delete("/auth/session", headers={"X-Mltrace-Request": "1"}).status_code == 200
    keys_client.cookies.set("mltrace_session", token)  # the old cookie, kept by an attacker: the session is gone
    assert keys_client.post("/graphql", json={"query": FLAG}).status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_revoking_a_key_ends_its_sessions(keys_client: TestClient, engine: Engine, keys: Keys) -> None:
    make_key(engine, "laptop", "read")
    secret = make_key(engine, "tablet", "read")
    signed_in(keys_client, secret)
    assert keys_client.get("/auth/session").status_code == 200
    done = keys_client.post(
        "/graphql", json={"query": 'mutation { revokeApiKey(name: "tablet") { name } }'}, headers=keys.header("admin")
    )
    assert done.status_code == 200
    assert keys_client.get("/auth/session").status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cookie_requests_from_elsewhere_or_without_json_are_refused(
    keys_client: TestClient, engine: Engine, keys: Keys
) -> None:
    small_pipeline(engine)
    signed_in(keys_client, keys.secrets["annotate"])
    body = '{"query": "mutation { flagOutput(name: \\"model.pkl\\") { flagged } }"}'
    for headers in (
        {"Content-Type": "application/json", "Origin": "https://evil.example"},
        {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
    ):
        refused = keys_client.post("/graphql", content=body, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
    # Sign-in itself: JSON only, from this site only.
    assert keys_client.post("/auth/session", data={"key": keys.secrets["read"]}).status_code == 403
    evil = keys_client.post(
        "/auth/session", json={"key": keys.secrets["read"]}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    # A bearer key is not a browser's ambient credential: the same cross-site headers do not matter to it.
    keyed = keys_client.post(
        "/graphql",
        content=body,
        headers={"Content-Type": "application/json", "Origin": "https://x.example", **keys.header("annotate")},
    )
    assert keyed.status_code == 200
    assert (
        keys_client.post("/graphql", json={"query": "{ tags }"}, headers={"Origin": "http://testserver"}).status_code
        == 200
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cors_is_closed_unless_origins_are_listed(db_url: str, engine: Engine, keys: Keys) -> None:
    from graphql_server.app import create_app
    from tests.access.conftest import keys_settings

    preflight = {"Origin": "https://dash.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    with TestClient(create_app(keys_settings(db_url), engine=engine)) as closed:
        assert "access-control-allow-origin" not in closed.options("/graphql", headers=preflight).headers
    settings = keys_settings(db_url, cors_origins=("https://dash.example",))
    with TestClient(create_app(settings, engine=engine)) as opened:
        answer = opened.options("/graphql", headers=preflight)
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "https://dash.example"
        other = opened.options("/graphql", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        read = opened.post(
            "/graphql", json={"query": "{ tags }"}, headers={"Origin": "https://dash.example", **keys.header("read")}
        )
        assert read.status_code == 200 and read.headers["access-control-allow-origin"] == "https://dash.example"
