"""Failed attempts at each run's outputs since it ran (failed runs do not produce; they are shown as such)."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.queries.failed_attempts import FailedAttempt, newer_failed_attempts

Key: TypeAlias = str
Result: TypeAlias = list[FailedAttempt]


class RunFailedAttemptsLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found = await db.read(newer_failed_attempts, keys)
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
