"""The IO pointer names each run read and wrote."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.records import RunIO
from mltrace_otel.queries.runs import run_io_by_ids

Key: TypeAlias = str
Result: TypeAlias = RunIO


class RunIOLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(run_io_by_ids, keys)
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
