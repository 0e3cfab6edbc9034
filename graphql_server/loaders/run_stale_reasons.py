"""Why each run is stale (an empty list when it is fresh), computed at read time."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.records import StaleReason
from mltrace_otel.queries.staleness import stale_reasons

Key: TypeAlias = str
Result: TypeAlias = list[StaleReason]


class RunStaleReasonsLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(stale_reasons, keys)
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
