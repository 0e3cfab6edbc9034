"""Placeholder until the web UI lands (issue 6)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def ui_routes() -> list[BaseRoute]:
    return []
