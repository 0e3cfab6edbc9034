"""Fixtures for the OTLP receiver: the app under a real uvicorn on a free port, and a TestClient."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings

ServeFactory = Callable[..., AbstractContextManager[str]]


@contextmanager
def running_server(settings: ServerSettings) -> Iterator[str]:
    """The app for ``settings`` served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    with running_app(create_app(settings)) as base:
        yield base


@contextmanager
def running_app(app: Starlette) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        assert httpx.get(f"{base}/healthz").status_code == 200
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture
def serve(db_url: str) -> ServeFactory:
    """``with serve(**settings) as base_url:`` runs a server on the test store with those settings."""

    def factory(**overrides: object) -> AbstractContextManager[str]:
        return running_server(replace(ServerSettings(database_url=db_url), **overrides))  # type: ignore[arg-type]

    return factory


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServerSettings(database_url=db_url))) as test_client:
        yield test_client
