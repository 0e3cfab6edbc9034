"""``/auth/session``: the web UI's sign-in. POST a key (JSON ``{"key": ...}``) for a session cookie, GET who the
session is, DELETE to sign out.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure when the
request came over HTTPS (behind a proxy: X-Forwarded-Proto from a trusted proxy), and expires with the session
(``MLTRACE_SESSION_TTL_S``). The store keeps only the token's hash; revoking the key ends its sessions.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graphql_server.auth.csrf import cross_site_refusal
from graphql_server.auth.gate import Gate, cookie
from graphql_server.auth.principal import SESSION_COOKIE, Denied, Principal
from graphql_server.database import Database
from graphql_server.settings import ServerSettings
from mltrace_otel.queries.api_keys import create_session, end_session, key_for_secret
from mltrace_otel.queries.scopes import Scope

PATH = "/auth/session"


def _who(principal: Principal, mode: str, expires_ns: int | None = None) -> dict[str, object]:
    return {
        "mode": mode,
        "name": principal.name,
        "scopes": [s.value for s in Scope if s in principal.scopes],
        **({"expiresAt": expires_ns // 1_000_000} if expires_ns else {}),
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def session_routes(settings: ServerSettings, engine: Engine) -> list[BaseRoute]:
    gate = Gate(settings, engine)
    db = Database(engine)

    async def current(request: Request) -> Response:
        who = await gate.identify(request.headers)
        if isinstance(who, Denied):
            return _error(who.status, who.message)
        return JSONResponse(_who(who, settings.auth))

    async def sign_in(request: Request) -> Response:
        if settings.auth != "keys":
            return _error(400, "access control is off (MLTRACE_AUTH=off): there is nothing to sign in to")
        refusal = cross_site_refusal(request.headers, request.url.scheme, settings.cors_origins, changes_state=True)
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if refusal is not None or media_type != "application/json":
            return _error(403, refusal or 'sign in with a JSON body {"key": "..."}')
        try:
            body = json.loads(await request.body())
            secret = body["key"]
            assert isinstance(secret, str) and secret
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error(400, 'the body must be JSON {"key": "<API key>"}')
        key = await db.read(key_for_secret, secret.strip())
        if key is None:
            return _error(401, "the API key was not accepted (unknown or revoked)")
        if Scope.READ not in key.scopes:
            return _error(403, f"key {key.name!r} lacks the 'read' scope the web UI needs")
        token, expires = await db.write(create_session, key, settings.session_ttl_s)
        response = JSONResponse(_who(Principal(key.name, key.scopes, "session"), "keys", expires))
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(settings.session_ttl_s), path="/", httponly=True, samesite="strict",
            secure=request.url.scheme == "https",
        )  # fmt: skip
        return response

    async def sign_out(request: Request) -> Response:
        refusal = cross_site_refusal(request.headers, request.url.scheme, settings.cors_origins, changes_state=True)
        if refusal is not None:
            return _error(403, refusal)
        token = cookie(request.headers)
        if token is not None:
            await db.write(end_session, token)
        response = JSONResponse({"signedOut": True})
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    return [
        Route(PATH, current, methods=["GET"]),
        Route(PATH, sign_in, methods=["POST"]),
        Route(PATH, sign_out, methods=["DELETE"]),
    ]
