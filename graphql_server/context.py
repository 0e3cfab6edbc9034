"""Per-request context: the store, the settings, and fresh DataLoaders.

Loaders cache for one request only. Over a websocket, Strawberry builds the context once per *connection*, so the
subscription replaces ``loaders`` before every event it sends: an event never sees another event's cached rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from graphql_server.auth.principal import Denied, Principal
from graphql_server.database import Database
from graphql_server.loaders import Loaders
from graphql_server.settings import ServerSettings

if TYPE_CHECKING:
    from graphql_server.subscriptions.run_feed import RunFeed


@dataclass
class Context:
    db: Database
    settings: ServerSettings
    feed: RunFeed
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    # Who asks (graphql_server/auth): checked per operation by auth/access_check.py; a Denied is refused there.
    principal: Principal | Denied = field(default_factory=lambda: Denied(401, "not identified"))
    # Websockets: the connection_init payload (Strawberry sets it), where clients put their key.
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(init=False)
    # Field names selected at each position of the query (graphql_server/prefetch.py), filled on first use.
    selections: dict[tuple[object, ...], frozenset[str]] = field(default_factory=dict)
    # Websockets: the arrival position when the connection was acknowledged (subscriptions start there).
    arrival_mark: int | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders.create(self.db)

    def fresh_loaders(self) -> Loaders:
        """Replace the loaders (one subscription event = one fresh set) and return them."""
        self.loaders = Loaders.create(self.db)
        return self.loaders


Info: TypeAlias = strawberry.Info[Context, Any]
