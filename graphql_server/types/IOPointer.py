"""An IO pointer (a path, table, model id or endpoint) with its flag state and the runs that touched it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_server.context import Info
from mltrace_otel.pointers import infer_kind
from mltrace_otel.queries.records import IOPointer as IOPointerRecord
from mltrace_otel.queries.records import ns_to_datetime

if TYPE_CHECKING:
    from graphql_server.types.ComponentRun import ComponentRun

ComponentRunRef = Annotated["ComponentRun", strawberry.lazy("graphql_server.types.ComponentRun")]

DEFAULT_RUNS = 100


@strawberry.type(description="Something a run read or wrote: a path, table name, model id or endpoint.")
class IOPointer:
    record: strawberry.Private[IOPointerRecord]
    # Plain fields: every run lists its pointers, so these resolve by the thousand.
    name: str
    kind: str = strawberry.field(
        description="data, model, endpoint or unknown; inferred from the name unless set explicitly."
    )
    flagged: bool = strawberry.field(description="True when a user flagged this output as wrong (see review).")

    @classmethod
    def from_record(cls, record: IOPointerRecord) -> IOPointer:
        return cls(record=record, name=record.name, kind=record.kind, flagged=record.flagged)

    @classmethod
    def named(cls, name: str) -> IOPointer:
        """A pointer with no stored row (should not happen once ingest ran): unflagged, kind from its name."""
        return cls.from_record(
            IOPointerRecord(name=name, kind=str(infer_kind(name)), flagged=False, flagged_ns=None, created_ns=0)
        )

    @strawberry.field
    def flagged_at(self) -> datetime | None:
        return ns_to_datetime(self.record.flagged_ns) if self.record.flagged_ns else None

    @strawberry.field(description="Who flagged this output (the key's name in the audit log); null when unflagged.")
    async def flagged_by(self, info: Info) -> str | None:
        if not self.record.flagged:
            return None
        entry = await info.context.loaders.flag_event.load(self.record.name)
        return entry.actor if entry is not None else None

    @strawberry.field(description="When the store first saw this pointer.")
    def created_at(self) -> datetime | None:
        return ns_to_datetime(self.record.created_ns) if self.record.created_ns else None

    @strawberry.field(description="Runs that wrote this pointer, newest first.")
    async def producers(self, info: Info, first: int = DEFAULT_RUNS) -> list[ComponentRunRef]:
        ids = await info.context.loaders.pointer_producers.load(self.record.name)
        return await _runs(info, ids[: max(first, 0)])

    @strawberry.field(description="Runs that read this pointer, newest first.")
    async def consumers(self, info: Info, first: int = DEFAULT_RUNS) -> list[ComponentRunRef]:
        ids = await info.context.loaders.pointer_consumers.load(self.record.name)
        return await _runs(info, ids[: max(first, 0)])


async def _runs(info: Info, ids: list[str]) -> list[ComponentRun]:
    from graphql_server.types.ComponentRun import ComponentRun

    runs = await info.context.loaders.run_by_id.load_many(ids)
    return [ComponentRun.from_record(run) for run in runs if run is not None]
