"""Source code snapshots by content hash (stored once per distinct source)."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.details import snapshots_by_hash

Key: TypeAlias = str
Result: TypeAlias = str | None


class CodeSnapshotLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(snapshots_by_hash, keys)
            return [found.get(key) for key in keys]

        super().__init__(load_fn=load)
