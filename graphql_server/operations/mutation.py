"""Mutation: flags, tags, component metadata, run notes. Each returns the object it changed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_server.context import Info
from graphql_server.types.Component import Component
from graphql_server.types.ComponentRun import ComponentRun
from graphql_server.types.IOPointer import IOPointer
from mltrace_otel.monitoring.flagging import flag_window
from mltrace_otel.queries.audited_writes import (
    set_flag,
    set_notes,
    tag_component,
    unflag_all,
    untag_component,
    update_component,
)
from mltrace_otel.queries.records import datetime_to_ns


def _actor(info: Info) -> str:
    """Who the audit log names for this write (each mutation is recorded: mltrace_otel/queries/audited_writes.py)."""
    return getattr(info.context.principal, "actor", "anonymous")


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Flag an output as wrong; review then ranks the runs in its trace.")
    async def flag_output(self, info: Info, name: str) -> IOPointer | None:
        return IOPointer.from_record(await info.context.db.write(set_flag, _actor(info), name, True))

    @strawberry.mutation(description="Remove the flag from an output.")
    async def unflag_output(self, info: Info, name: str) -> IOPointer | None:
        return IOPointer.from_record(await info.context.db.write(set_flag, _actor(info), name, False))

    @strawberry.mutation(description="Remove every flag; returns how many outputs were flagged.")
    async def unflag_all(self, info: Info) -> int:
        return await info.context.db.write(unflag_all, _actor(info))

    @strawberry.mutation(description="Add tags to a component (existing tags are kept).")
    async def tag_component(self, info: Info, name: str, tags: list[str]) -> Component | None:
        return Component.from_record(await info.context.db.write(tag_component, _actor(info), name, tags))

    @strawberry.mutation(description="Remove tags from a component.")
    async def untag_component(self, info: Info, name: str, tags: list[str]) -> Component | None:
        return Component.from_record(await info.context.db.write(untag_component, _actor(info), name, tags))

    @strawberry.mutation(description="Set a component's owner and/or description (omitted ones are kept).")
    async def update_component(
        self, info: Info, name: str, owner: str | None = None, description: str | None = None
    ) -> Component | None:
        found = await info.context.db.write(update_component, _actor(info), name, owner=owner, description=description)
        return Component.from_record(found)

    @strawberry.mutation(description="Replace a run's notes.")
    async def set_run_notes(self, info: Info, id: strawberry.ID, notes: str) -> ComponentRun | None:
        return ComponentRun.from_record(await info.context.db.write(set_notes, _actor(info), id, notes))

    # ---------------------------------------------------------------- monitoring

    @strawberry.mutation(
        description="Flag the outputs of a task made in [since, until) that runs wrote (their IO pointers), so "
        "review ranks the runs behind a drifted window. Returns how many were flagged."
    )
    async def flag_task_window(self, info: Info, task: str, since: datetime, until: datetime) -> int:
        flagged, _ = await info.context.db.write(
            flag_window, _actor(info), task, datetime_to_ns(since), datetime_to_ns(until)
        )
        return flagged
