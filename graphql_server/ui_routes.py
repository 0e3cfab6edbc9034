"""The web UI: the Vite build in ``graphql_server/static`` served at ``/``, client-side routes falling back to it.

The build is git-ignored output of ``make ui`` (``ui/`` sources) and ships in the wheel as package data, so a
server install needs no Node. The catch-all route never answers for the API's own paths (``/graphql``,
``/v1/...``, ``/healthz``) nor for methods other than GET and HEAD, so a wrong method there still gets the API's
405 instead of the app's HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.datastructures import URLPath
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
RESERVED_PREFIXES = ("/graphql", "/v1", "/healthz", "/auth")
# Vite names built assets by content hash: they can be cached forever. index.html must be revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mltrace: web UI not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.5">
<h1>The web UI is not built</h1>
<p>This server has no UI assets in <code>graphql_server/static/</code>. Build them from a clone of the project with
<code>make ui</code> (needs Node 20.19+ and npm), then reload this page; no restart is needed.</p>
<p>The API works without it: GraphQL at <a href="/graphql">/graphql</a>, OTLP/HTTP at <code>/v1/traces</code>,
health at <a href="/healthz">/healthz</a>.</p>
</body></html>
"""


def is_reserved(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


class SinglePageApp(BaseRoute):
    """Serves files of the build by path and ``index.html`` for every other GET (the app's own routes)."""

    def __init__(self, static_dir: Path) -> None:
        self.static_dir = static_dir

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or is_reserved(scope["path"]):
            return Match.NONE, {}
        if scope["method"] not in ("GET", "HEAD"):
            return Match.PARTIAL, {}
        return Match.FULL, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        else:
            response = self.response_for(scope["path"])
        await response(scope, receive, send)

    def response_for(self, path: str) -> Response:
        if "\x00" in path:  # no file name holds a NUL (the OS refuses it): not found, not a server error
            return PlainTextResponse("not found", status_code=404)
        root = self.static_dir.resolve()
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": REVALIDATE})
        relative = path.lstrip("/")
        if relative:
            candidate = (root / relative).resolve()
            # resolve() folds "..": anything that lands outside the build is treated as not found.
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = IMMUTABLE if candidate.parent.name == "assets" else REVALIDATE
                return FileResponse(candidate, headers={"Cache-Control": cache})
            # A missing build file (a stale hashed asset, a typo) is a 404: HTML for a script confuses browsers.
            # Client routes may end in a dot-name (/trace/model.pkl), so only assets/ and top-level files count.
            if relative.startswith("assets/") or ("/" not in relative and "." in relative):
                return PlainTextResponse(f"no file {path!r} in the web UI build", status_code=404)
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})


def ui_routes(static_dir: Path | None = None) -> list[BaseRoute]:
    """The catch-all UI route; mount it last so every API route is tried first."""
    return [SinglePageApp(static_dir or STATIC_DIR)]
