"""The app factory: one stateless Starlette app serving /graphql, /v1/traces, /api/v1/lineage, /healthz and the UI at /.

Stateless by design: any number of replicas can share one Postgres. Tests swap what they need through the
arguments (settings, an engine) instead of patching.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from graphql_server.auth.session_routes import session_routes
from graphql_server.graphql_routes import graphql_routes
from graphql_server.monitoring.routes import monitoring_routes
from graphql_server.openlineage.routes import openlineage_routes
from graphql_server.otlp.routes import otlp_routes
from graphql_server.retention_schedule import retention_schedule, schedule_from_env
from graphql_server.settings import ServerSettings
from graphql_server.ui_routes import ui_routes
from mltrace_otel.store.engine import get_engine

log = logging.getLogger(__name__)


def create_app(settings: ServerSettings | None = None, *, engine: Engine | None = None) -> Starlette:
    settings = settings or ServerSettings.from_env()
    store = engine or get_engine(settings.database_url)

    async def healthz(_: Request) -> JSONResponse:
        def ping() -> None:
            with store.connect() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except Exception as exc:
            # The driver's text names host, port and user: the log gets it, an unauthenticated caller does not.
            log.warning("healthz: the store does not answer: %s", exc)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": store.dialect.name})

    schedule = schedule_from_env()  # a bad retention setting stops the start, with its reason

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with retention_schedule(store, schedule):
            yield
        store.dispose()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        *graphql_routes(settings, store),
        *otlp_routes(settings, store),
        *openlineage_routes(settings, store),
        *session_routes(settings, store),
        *monitoring_routes(settings, store),
        *ui_routes(),  # last: its catch-all serves the single-page app's client-side routes
    ]
    middleware = []
    if settings.cors_origins:  # closed unless listed: no wildcard, no cookies (keys travel in a header)
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.settings = settings
    app.state.engine = store
    return app
