"""Ids of the runs that wrote each IO pointer, newest first."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.lineage import runs_touching

Key: TypeAlias = str
Result: TypeAlias = list[str]


class PointerProducersLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(runs_touching, keys, "out")
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
