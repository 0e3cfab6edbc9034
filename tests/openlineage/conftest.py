"""Fixtures for OpenLineage: our server on the test store, and the real openlineage-python client pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import HttpConfig, HttpTransport

from graphql_server.settings import ServerSettings
from tests.otlp.conftest import running_server

ClientFactory = Callable[..., OpenLineageClient]


def ol_client(base_url: str, **config: object) -> OpenLineageClient:
    """The client as an Airflow or dbt deployment configures it: HTTP transport to ``base_url``/api/v1/lineage."""
    return OpenLineageClient(transport=HttpTransport(HttpConfig(url=base_url, endpoint="api/v1/lineage", **config)))  # type: ignore[arg-type]


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    with running_server(ServerSettings(database_url=db_url)) as base:
        yield base


@pytest.fixture
def token_server(db_url: str) -> Iterator[str]:
    with running_server(replace(ServerSettings(database_url=db_url), ingest_token="ol-s3cret")) as base:
        yield base


@pytest.fixture
def client(server: str) -> OpenLineageClient:
    return ol_client(server)
