"""IO pointers (kind, flag state) by name; unknown names load as ``None``."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.pointers import pointers_by_names
from mltrace_otel.queries.records import IOPointer

Key: TypeAlias = str
Result: TypeAlias = IOPointer | None


class PointerByNameLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(pointers_by_names, keys)
            return [found.get(key) for key in keys]

        super().__init__(load_fn=load)
