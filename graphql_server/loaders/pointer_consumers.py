"""Ids of the runs that read each IO pointer, newest first."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.lineage import runs_touching

Key: TypeAlias = str
Result: TypeAlias = list[str]


class PointerConsumersLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(runs_touching, keys, "in")
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
