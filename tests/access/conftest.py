"""Fixtures for access control: a server in keys mode over the test store, and one key per scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.queries.api_keys import create_key
from mltrace_otel.queries.scopes import parse_scopes

INGEST_TOKEN = "static-ingest-token-for-tests"
SCOPE_NAMES = ("read", "annotate", "ingest", "admin")


@dataclass
class Keys:
    secrets: dict[str, str]  # key name -> secret

    def header(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[name]}"}


def make_key(engine: Engine, name: str, *scopes: str) -> str:
    with engine.begin() as conn:
        return create_key(conn, name, parse_scopes(scopes), "tests").secret


@pytest.fixture
def keys(engine: Engine) -> Keys:
    """One key per scope, named after it."""
    return Keys({scope: make_key(engine, scope, scope) for scope in SCOPE_NAMES})


def keys_settings(db_url: str, **overrides: object) -> ServerSettings:
    return ServerSettings(database_url=db_url, poll_interval_s=0.1, auth="keys", ingest_token=INGEST_TOKEN, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def keys_client(db_url: str, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(keys_settings(db_url), engine=engine)) as client:
        yield client


@pytest.fixture
def off_client(db_url: str, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(ServerSettings(database_url=db_url, poll_interval_s=0.1), engine=engine)) as client:
        yield client
