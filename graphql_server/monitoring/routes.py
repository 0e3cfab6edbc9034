"""The monitoring routes: ``POST /v1/logs`` and ``GET /metrics``."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.routing import BaseRoute, Route

from graphql_server.auth.gate import Gate
from graphql_server.monitoring.logs_route import LogReceiver
from graphql_server.monitoring.metrics_route import MetricsEndpoint
from graphql_server.settings import ServerSettings


def monitoring_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    receiver = LogReceiver(settings, engine)
    metrics = MetricsEndpoint(engine, settings.metrics_token, Gate(settings, engine))
    return [Route("/v1/logs", receiver.handle, methods=["POST"]), Route("/metrics", metrics.handle, methods=["GET"])]
