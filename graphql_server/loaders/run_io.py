"""The IO pointer names each run read and wrote; the pointers themselves (kind, flag) come in the same statement
and prime the pointer loader, so a level's ``inputs { name flagged }`` costs one statement, not two in a row."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from graphql_server.loaders.pointer_by_name import PointerByNameLoader
from mltrace_otel.queries.pointers import io_with_pointers
from mltrace_otel.queries.records import RunIO

Key: TypeAlias = str
Result: TypeAlias = RunIO


class RunIOLoader(DataLoader[Key, Result]):
    def __init__(self, db: Database, pointers: PointerByNameLoader) -> None:
        async def load(keys: list[Key]) -> list[Result]:
            found, named = await db.read(io_with_pointers, keys)
            pointers.prime_many(named)
            return [found[key] for key in keys]

        super().__init__(load_fn=load)
