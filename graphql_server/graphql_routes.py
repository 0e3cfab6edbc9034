"""Placeholder until the GraphQL API lands (issue 3)."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.routing import BaseRoute

from graphql_server.settings import ServerSettings


def graphql_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    return []
