"""Fixtures for monitoring: a TestClient on the test store, and planted outputs and feedback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(ServerSettings(database_url=db_url))) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _logs_stored_before_the_store_goes() -> Iterator[None]:
    """Outputs a test logged are stored in its own store, never in the next test's."""
    yield
    from mltrace_otel.monitoring.emit import flush_logs

    flush_logs()
