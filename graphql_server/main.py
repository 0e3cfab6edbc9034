"""``mltrace serve``: run the app under uvicorn."""

from __future__ import annotations

import uvicorn

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings


def serve(host: str = "127.0.0.1", port: int = 8080, database_url: str | None = None, log_level: str = "info") -> None:
    settings = ServerSettings.from_env(database_url=database_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True)
