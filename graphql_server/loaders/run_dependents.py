"""The runs that depend on each run, with the edge that links them."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.linked_runs import dependent_runs
from mltrace_otel.queries.records import Edge, Run

Key: TypeAlias = str
Result: TypeAlias = list[tuple[Edge, Run]]


class RunDependentsLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(dependent_runs, keys)
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
