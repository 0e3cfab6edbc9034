"""Component metadata and tags by name; unknown names load as ``None``."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.components import components_by_names
from mltrace_otel.queries.records import Component

Key: TypeAlias = str
Result: TypeAlias = Component | None


class ComponentByNameLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(components_by_names, keys)
            return [found.get(key) for key in keys]

        super().__init__(load_fn=load)
