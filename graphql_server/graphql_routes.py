"""``/graphql``: POST for queries and mutations, GraphiQL on GET from a browser, websockets for subscriptions.

Built once per app: one Schema, one per-process run feed, fresh loaders per request (graphql_server.context).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from graphql_server.auth.csrf import cross_site_refusal
from graphql_server.auth.gate import Gate
from graphql_server.auth.principal import ANONYMOUS, Denied, Principal
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
            # Pages of other origins may not open the websocket (Strawberry closes it 1008), but the listed ones.
            allowed_origins=settings.cors_origins,
        )
        self.settings = settings
        self.db = Database(engine)
        self.feed = RunFeed(self.db, settings.poll_interval_s)
        self.gate = Gate(settings, engine)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None) -> Context:
        # HTTP: __call__ identified the caller. A websocket is identified by its connection_init (on_ws_connect).
        principal = request.scope.get("state", {}).get(_PRINCIPAL) or Denied(401, "not identified")
        return Context(
            db=self.db, settings=self.settings, feed=self.feed, request=request, response=response, principal=principal
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        who = await self._identify_websocket(context)
        if isinstance(who, Denied):
            raise ConnectionRejectionError({"message": who.message, "code": who.code})
        context.principal = who
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

    async def _identify_websocket(self, context: Context) -> Principal | Denied:
        if self.settings.auth == "off":
            return ANONYMOUS
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = params.get("authorization") or params.get("Authorization")
        secret = None
        if isinstance(raw, str) and raw.strip():
            scheme, _, rest = raw.strip().partition(" ")
            secret = rest.strip() if scheme.lower() == "bearer" else raw.strip()
        assert context.request is not None
        headers = context.request.headers
        if secret is None:  # the UI's session cookie came with the handshake; only from this site's pages
            refusal = cross_site_refusal(headers, _http_scheme(context.request), self.settings.cors_origins,
                                         changes_state=False)  # fmt: skip
            if refusal is not None:
                return Denied(403, refusal)
        return await self.gate.identify(headers, secret=secret)

    async def _http_gate(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Identify an HTTP request's caller into the scope; answer it here (False) when it may not go on."""
        request = Request(scope)
        if request.method != "POST":  # GET serves only GraphiQL's page: no data
            scope.setdefault("state", {})[_PRINCIPAL] = ANONYMOUS if self.settings.auth == "off" else None
            return True
        who = await self.gate.identify(request.headers)
        if isinstance(who, Principal) and who.via == "session":
            refusal = cross_site_refusal(request.headers, request.url.scheme, self.settings.cors_origins,
                                         changes_state=True)  # fmt: skip
            if refusal is not None:
                who = Denied(403, refusal)
        if isinstance(who, Denied):
            body = {"data": None, "errors": [{"message": who.message, "extensions": {"code": who.code}}]}
            headers = {"WWW-Authenticate": "Bearer"} if who.status == 401 else None
            await JSONResponse(body, status_code=who.status, headers=headers)(scope, receive, send)
            return False
        scope.setdefault("state", {})[_PRINCIPAL] = who
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server must not trace itself into its own store: no instrumentation inside the API.
        if scope["type"] == "http" and not await self._http_gate(scope, receive, send):
            return
        token: Any = suppressed()
        try:
            await super().__call__(scope, receive, send)
        finally:
            otel_context.detach(token)


_PRINCIPAL = "mltrace.principal"


def _http_scheme(websocket: Request | WebSocket) -> str:
    return "https" if websocket.url.scheme in ("https", "wss") else "http"


def graphql_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    app = GraphQLApp(settings, engine)
    tune_gc()
    return [
        Route("/graphql", app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", app),
    ]
