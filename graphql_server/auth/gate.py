"""Who is asking: the one place every route resolves a request's credentials to a :class:`Principal`.

- ``MLTRACE_AUTH=off``: everyone is ``anonymous`` with every scope, except that ingest still needs
  ``MLTRACE_INGEST_TOKEN`` when it is set (the behaviour before access control existed).
- ``MLTRACE_AUTH=keys``: ``Authorization: Bearer <key>`` (an API key from the store, or the static
  ``MLTRACE_INGEST_TOKEN`` as an ingest-only key), or the UI's session cookie. Nothing else gets in.

Ingest routes (``/v1/traces``, ``/api/v1/lineage``, and any later receiver) call :meth:`Gate.ingest`; the API calls
:meth:`Gate.identify`. Wrong, unknown and revoked keys get the same 401 message: the answer never says which part
of a key was wrong.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from sqlalchemy import Engine

from graphql_server.auth.principal import ANONYMOUS, SESSION_COOKIE, Denied, Principal, missing_scope
from graphql_server.database import Database
from graphql_server.settings import ServerSettings
from mltrace_otel.queries.api_keys import ApiKey, key_for_secret, key_for_session
from mltrace_otel.queries.scopes import Scope

TOKEN_NAME = "MLTRACE_INGEST_TOKEN"
NO_KEY = (
    "this server requires an API key (MLTRACE_AUTH=keys): send 'Authorization: Bearer <key>' (`mltrace keys create`"
    " makes one) or sign in to the web UI"
)
BAD_KEY = "the API key or session was not accepted (unknown, revoked or expired)"


def bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, credentials = (headers.get("authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def cookie(headers: Mapping[str, str]) -> str | None:
    for part in (headers.get("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


def _same(secret: str, token: str | None) -> bool:
    # Constant time: the answer's timing must not reveal how much of a guess was right.
    return token is not None and hmac.compare_digest(secret.encode("utf-8", "surrogatepass"), token.encode("utf-8"))


class Gate:
    def __init__(self, settings: ServerSettings, engine: Engine) -> None:
        self.keys_mode = settings.auth == "keys"
        self.ingest_token = settings.ingest_token
        self.db = Database(engine)

    async def identify(self, headers: Mapping[str, str], *, secret: str | None = None) -> Principal | Denied:
        """The principal behind a request's bearer key (or ``secret``, from a websocket's connection_init) or its
        session cookie."""
        if not self.keys_mode:
            return ANONYMOUS
        secret = secret if secret is not None else bearer(headers)
        if secret is not None:
            if _same(secret, self.ingest_token):
                return Principal(TOKEN_NAME, frozenset({Scope.INGEST}), "token")
            key = await self._lookup(key_for_secret, secret)
            return Denied(401, BAD_KEY) if key is None else Principal(key.name, key.scopes, "key")
        session = cookie(headers)
        if session is not None:
            key = await self._lookup(key_for_session, session)
            return Denied(401, BAD_KEY) if key is None else Principal(key.name, key.scopes, "session")
        return Denied(401, NO_KEY)

    async def ingest(self, headers: Mapping[str, str]) -> Principal | Denied:
        """Ingest routes: the same rules for every receiver."""
        if not self.keys_mode:
            if self.ingest_token is None:
                return ANONYMOUS
            if _same(bearer(headers) or "", self.ingest_token):
                return Principal(TOKEN_NAME, frozenset({Scope.INGEST}), "token")
            return Denied(401, "missing or wrong bearer token (Authorization: Bearer <MLTRACE_INGEST_TOKEN>)")
        if bearer(headers) is None:  # sessions are for the UI; pipelines send keys
            return Denied(401, NO_KEY)
        found = await self.identify(headers)
        if isinstance(found, Principal) and not found.allows(Scope.INGEST):
            return missing_scope(found, Scope.INGEST, "sending spans or events")
        return found

    async def _lookup(self, finder: object, secret: str) -> ApiKey | None:
        return await self.db.read(finder, secret)  # type: ignore[arg-type]
