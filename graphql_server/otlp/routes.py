"""Placeholder until the OTLP receiver lands (issue 4)."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.routing import BaseRoute

from graphql_server.settings import ServerSettings


def otlp_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    return []
