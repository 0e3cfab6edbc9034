"""``/graphql``: POST for queries and mutations, GraphiQL on GET from a browser, websockets for subscriptions.

Built once per app: one Schema, one per-process run feed, fresh loaders per request (graphql_server.context).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from graphql_server.context import Context
from graphql_server.database import Database, suppressed
from graphql_server.gc_tuning import tune_gc
from graphql_server.graphql_over_http import LEGACY_JSON, mark_request_error, response_media
from graphql_server.playground import playground
from graphql_server.schema import build_schema
from graphql_server.settings import ServerSettings
from graphql_server.subscriptions.run_feed import RunFeed


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, settings: ServerSettings, engine: Engine) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql",
            # GET serves GraphiQL only: queries travel by POST (no query strings in logs, no CSRF by link).
            allow_queries_via_get=False,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.settings = settings
        self.db = Database(engine)
        self.feed = RunFeed(self.db, settings.poll_interval_s)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        return Context(db=self.db, settings=self.settings, feed=self.feed, request=request, response=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Before the acknowledgement: a client that knows it is connected may rely on every later run arriving.
        context.arrival_mark = await self.feed.mark()
        return UNSET

    async def render_graphql_ide(self, request: Request) -> Response:
        return playground()

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        answer = await super().process_result(request, result)
        if mark_request_error(request, result):
            answer.pop("data", None)  # the spec: a request that never executed has no data entry
        return answer

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        response = await super().run(request, context, root_value)
        if isinstance(request, Request) and isinstance(response, Response) and request.method == "POST":
            media_type, status = response_media(request)
            if response.media_type == LEGACY_JSON and media_type != LEGACY_JSON:
                response.headers["content-type"] = f"{media_type}; charset=utf-8"
            if status is not None:
                response.status_code = status
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server must not trace itself into its own store: no instrumentation inside the API.
        token: Any = suppressed()
        try:
            await super().__call__(scope, receive, send)
        finally:
            otel_context.detach(token)


def graphql_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    app = GraphQLApp(settings, engine)
    tune_gc()
    return [
        Route("/graphql", app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", app),
    ]
