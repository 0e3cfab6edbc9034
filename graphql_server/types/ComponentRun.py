"""A component run (or any span of an OTel trace): its facts, IO, code, and lineage to any depth a client writes.

Every field that fans out goes through a per-request DataLoader, so a nested query costs round trips per *level*
of nesting, never per run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON

from graphql_server.context import Info
from graphql_server.types.Component import Component
from graphql_server.types.IOPointer import IOPointer
from graphql_server.types.RunStatus import RunStatus
from graphql_server.types.StatusCode import StatusCode
from mltrace_otel.queries.records import Edge, Run

if TYPE_CHECKING:
    from graphql_server.types.DependencyEdge import DependencyEdge
    from graphql_server.types.StaleReason import StaleReason

StaleReasonRef = Annotated["StaleReason", strawberry.lazy("graphql_server.types.StaleReason")]
DependencyEdgeRef = Annotated["DependencyEdge", strawberry.lazy("graphql_server.types.DependencyEdge")]


@strawberry.type(description="A run of a pipeline component: one OTel span that carries mltrace.component.")
class ComponentRun:
    record: strawberry.Private[Run]

    @classmethod
    def from_record(cls, record: Run) -> ComponentRun:
        return cls(record=record)

    @strawberry.field(description="The span id: 16 lowercase hexadecimal characters.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field(description="The OTel trace id (32 hex characters).")
    def trace_id(self) -> str:
        return self.record.trace_id

    @strawberry.field(description="The parent span id within the OTel trace, if any.")
    def parent_id(self) -> str | None:
        return self.record.parent_id

    @strawberry.field(description="The span name.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="The OTel span kind (INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER).")
    def kind(self) -> str:
        return self.record.kind

    @strawberry.field(description="False for plain spans of an OTel trace that are not component runs.")
    def is_component_run(self) -> bool:
        return self.record.component is not None

    @strawberry.field(description="The component's name (null for plain spans).")
    def component_name(self) -> str | None:
        return self.record.component

    @strawberry.field(description="The component this run belongs to (null for plain spans).")
    async def component(self, info: Info) -> Component | None:
        name = self.record.component
        if name is None:
            return None
        found = await info.context.loaders.component_by_name.load(name)
        return Component.from_record(found) if found else Component.named(name)

    @strawberry.field
    def start_time(self) -> datetime:
        return self.record.start

    @strawberry.field
    def end_time(self) -> datetime:
        return self.record.end

    @strawberry.field
    def duration_ms(self) -> float:
        return self.record.duration_ms

    @strawberry.field
    def status(self) -> RunStatus:
        return RunStatus(code=StatusCode(self.record.status_code), message=self.record.status_message)

    @strawberry.field(description="IO pointers this run read, with their flag state.")
    async def inputs(self, info: Info) -> list[IOPointer]:
        io = await info.context.loaders.run_io.load(self.record.id)
        return await _pointers(info, io.inputs)

    @strawberry.field(description="IO pointers this run wrote, with their flag state.")
    async def outputs(self, info: Info) -> list[IOPointer]:
        io = await info.context.loaders.run_io.load(self.record.id)
        return await _pointers(info, io.outputs)

    @strawberry.field(description="Runs this run depends on (their outputs were its inputs, or a span link).")
    async def dependencies(self, info: Info) -> list[ComponentRun]:
        pairs = await info.context.loaders.run_dependencies.load(self.record.id)
        return _distinct_runs(info, pairs)

    @strawberry.field(description="Runs that depend on this run.")
    async def dependents(self, info: Info) -> list[ComponentRun]:
        pairs = await info.context.loaders.run_dependents.load(self.record.id)
        return _distinct_runs(info, pairs)

    @strawberry.field(description="Dependencies with the pointer (or span link) that links each.")
    async def dependency_edges(self, info: Info) -> list[DependencyEdgeRef]:
        from graphql_server.types.DependencyEdge import DependencyEdge

        pairs = await info.context.loaders.run_dependencies.load(self.record.id)
        return [DependencyEdge.from_pair(edge, run) for edge, run in pairs]

    @strawberry.field(description="Dependents with the pointer (or span link) that links each.")
    async def dependent_edges(self, info: Info) -> list[DependencyEdgeRef]:
        from graphql_server.types.DependencyEdge import DependencyEdge

        pairs = await info.context.loaders.run_dependents.load(self.record.id)
        return [DependencyEdge.from_pair(edge, run) for edge, run in pairs]

    @strawberry.field(description="Why this run is stale; empty when it is fresh.")
    async def stale(self, info: Info) -> list[StaleReasonRef]:
        from graphql_server.types.StaleReason import StaleReason

        reasons = await info.context.loaders.run_stale_reasons.load(self.record.id)
        return [StaleReason.from_record(r) for r in reasons]

    @strawberry.field(description="The commit of the code that ran.")
    def git_hash(self) -> str | None:
        return self.record.git_hash

    @strawberry.field
    def git_tags(self) -> list[str]:
        return self.record.git_tags

    @strawberry.field(description="sha256 of the code snapshot, shared by runs of identical source.")
    def code_hash(self) -> str | None:
        return self.record.code_hash

    @strawberry.field(description="Source of the function that ran, when it was captured.")
    async def code_snapshot(self, info: Info) -> str | None:
        if not self.record.code_hash:
            return None
        return await info.context.loaders.code_snapshot.load(self.record.code_hash)

    @strawberry.field
    def notes(self) -> str | None:
        return self.record.notes

    @strawberry.field(description="service.name of the process that ran it.")
    def service_name(self) -> str | None:
        return self.record.service_name

    @strawberry.field(description="Every span attribute, as it was stored.")
    def attributes(self) -> JSON:
        return cast(JSON, self.record.attributes)

    @strawberry.field(description="OTel resource attributes of the process that ran it.")
    def resource(self) -> JSON:
        return cast(JSON, self.record.resource)

    @strawberry.field(description="OTel span links: a list of {traceId, spanId, attributes}.")
    def links(self) -> JSON:
        return cast(JSON, self.record.links)

    @strawberry.field(description="OTel span events: a list of {name, timeUnixNano, attributes}.")
    def events(self) -> JSON:
        return cast(JSON, self.record.events)

    @strawberry.field(description="Before/after test results of the component, one object per test.")
    def test_results(self) -> JSON:
        return cast(JSON, self.record.test_results)


async def _pointers(info: Info, names: list[str]) -> list[IOPointer]:
    found = await info.context.loaders.pointer_by_name.load_many(names)
    return [IOPointer.from_record(p) if p else IOPointer.named(n) for n, p in zip(names, found, strict=True)]


def _distinct_runs(info: Info, pairs: list[tuple[Edge, Run]]) -> list[ComponentRun]:
    # A run reached through two pointers is one dependency. Priming lets `run(id)` and friends reuse the row.
    runs: dict[str, Run] = {}
    for _, run in pairs:
        if run.id not in runs:
            runs[run.id] = run
            info.context.loaders.run_by_id.prime(run.id, run)
    return [ComponentRun.from_record(run) for run in runs.values()]
