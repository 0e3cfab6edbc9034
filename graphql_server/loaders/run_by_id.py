"""Runs (any stored span) by id; unknown ids load as ``None``."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import runs_by_ids

Key: TypeAlias = str
Result: TypeAlias = Run | None


class RunByIdLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(runs_by_ids, keys)
            return [found.get(key) for key in keys]

        super().__init__(load_fn=load)
