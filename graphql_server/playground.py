"""GET /graphql from a browser: the GraphiQL page of our own UI build (``ui/graphiql.html``), which carries
GraphiQL, React and Monaco's workers itself, so the playground works with no internet (Strawberry's own page loads
them from a CDN)."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, HTMLResponse, Response

# In the UI's build (graphql_server/static, which ui_routes serves at /): its second page.
PAGE = Path(__file__).parent / "static" / "graphiql.html"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mltrace: GraphQL playground not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.5">
<h1>The GraphQL playground is not built</h1>
<p>GraphiQL ships inside the web UI's build, which this server does not have. Build it with <code>make ui</code>
(Node 20.19+ and npm), or install a wheel (it includes the build), then reload this page.</p>
<p>The API itself works: POST GraphQL queries to this address.</p>
</body></html>
"""


def playground() -> Response:
    if not PAGE.is_file():
        return HTMLResponse(NOT_BUILT, status_code=404)
    return FileResponse(PAGE, media_type="text/html", headers={"Cache-Control": "no-cache"})
