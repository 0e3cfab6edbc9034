"""Serving the built UI: files by path, client-side routes fall back to index.html, the API is never shadowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from graphql_server.ui_routes import SinglePageApp, ui_routes

INDEX = "<!doctype html><title>mltrace</title><div id=root></div>"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text(INDEX)
    (static / "assets" / "index-abc123.js").write_text("console.log('app')")
    (static / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    return static


def app_with(static: Path) -> TestClient:
    async def api(_: Request) -> JSONResponse:
        return JSONResponse({"api": True})

    routes = [
        Route("/healthz", api, methods=["GET"]),
        Route("/graphql", api, methods=["GET", "POST"]),
        Route("/v1/traces", api, methods=["POST"]),
        *ui_routes(static),
    ]
    return TestClient(Starlette(routes=routes))


@pytest.mark.parametrize(
    "path", ["/", "/recent?n=5", "/run/0123456789abcdef", "/trace/model.pkl", "/lineage/output/data%2Fclean.csv"]
)
def test_client_routes_get_the_app(build: Path, path: str) -> None:
    response = app_with(build).get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_served_and_cached_forever(build: Path) -> None:
    client = app_with(build)
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log('app')"
    assert "javascript" in response.headers["content-type"]
    assert "immutable" in response.headers["cache-control"]
    assert client.get("/favicon.svg").headers["cache-control"] == "no-cache"
    assert client.head("/assets/index-abc123.js").status_code == 200


def test_missing_asset_is_404_not_html(build: Path) -> None:
    client = app_with(build)
    for path in ("/assets/index-old999.js", "/missing.css"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "no file" in response.text


def test_paths_outside_the_build_are_not_served(build: Path) -> None:
    client = app_with(build)
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"):
        response = client.get(path)
        assert "outside the build" not in response.text, path
    # HTTP clients normalise "..", so also ask the route directly with the raw path.
    route = ui_routes(build)[0]
    assert isinstance(route, SinglePageApp)
    response = route.response_for("/../secret.txt")
    assert not (isinstance(response, FileResponse) and Path(response.path).name == "secret.txt")


def test_api_paths_are_never_shadowed(build: Path) -> None:
    client = app_with(build)
    assert client.get("/healthz").json() == {"api": True}
    assert client.post("/graphql").json() == {"api": True}
    assert client.post("/v1/traces").json() == {"api": True}
    # Wrong method on an API path: the API's 405, not the app's HTML.
    response = client.get("/v1/traces")
    assert response.status_code == 405
    assert INDEX not in response.text
    # Unknown API sub-paths stay 404s.
    assert client.get("/v1/metrics").status_code == 404
    assert client.get("/graphql/extra").status_code == 404
    # The app only answers GET and HEAD.
    assert client.post("/recent").status_code == 405


def test_missing_build_says_to_run_make_ui(tmp_path: Path) -> None:
    client = app_with(tmp_path / "not-built")
    for path in ("/", "/run/0123456789abcdef"):
        response = client.get(path)
        assert response.status_code == 503
        assert "make ui" in response.text
        assert "/graphql" in response.text
    assert client.get("/healthz").json() == {"api": True}


def test_real_app_keeps_its_api_routes(tmp_path: Path) -> None:
    app = create_app(ServerSettings(database_url=f"sqlite:///{tmp_path / 'ui.db'}"))
    with TestClient(app) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        response = client.get("/v1/traces")
        assert response.status_code == 405
        assert "<div id" not in response.text
        # Whichever build is present, "/" answers the app or the instructions, never an error.
        root = client.get("/")
        assert root.status_code in (200, 503)
        assert "<html" in root.text.lower() or "<!doctype" in root.text.lower()
