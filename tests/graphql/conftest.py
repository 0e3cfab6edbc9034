"""Fixtures for the GraphQL API: the real app over the test store, through real HTTP.

``api`` talks to the app with Starlette's TestClient (in-process HTTP); ``live_server`` runs the same app in a real
uvicorn on a free port for websocket subscriptions and third-party clients.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from tests.graphql.client import GraphQL


@pytest.fixture
def settings(db_url: str) -> ServerSettings:
    return ServerSettings(database_url=db_url, poll_interval_s=0.1)


@pytest.fixture
def app(settings: ServerSettings, engine: Engine) -> Starlette:
    return create_app(settings, engine=engine)


@pytest.fixture
def http(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def api(http: TestClient) -> GraphQL:
    return GraphQL(http)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:PORT

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def websocket_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://")


@pytest.fixture
def live_server(app: Starlette) -> Iterator[LiveServer]:
    """The app under a real uvicorn in a background thread, on a free port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
