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
from graphql_server.prefetch import cached, is_loaded, prefetch_runs
from graphql_server.types.Component import Component
from graphql_server.types.IOPointer import IOPointer
from graphql_server.types.RunStatus import RunStatus
from graphql_server.types.StatusCode import StatusCode
from mltrace_otel.queries.lineage_tree import merge_edges
from mltrace_otel.queries.records import Edge, Run
from mltrace_otel.queries.records import IOPointer as IOPointerRecord

if TYPE_CHECKING:
    from graphql_server.types.DependencyEdge import DependencyEdge
    from graphql_server.types.FailedAttempt import FailedAttempt
    from graphql_server.types.NeighbourRun import NeighbourRun
    from graphql_server.types.RunDrift import RunDrift
    from graphql_server.types.StaleReason import StaleReason

StaleReasonRef = Annotated["StaleReason", strawberry.lazy("graphql_server.types.StaleReason")]
DependencyEdgeRef = Annotated["DependencyEdge", strawberry.lazy("graphql_server.types.DependencyEdge")]
FailedAttemptRef = Annotated["FailedAttempt", strawberry.lazy("graphql_server.types.FailedAttempt")]
RunDriftRef = Annotated["RunDrift", strawberry.lazy("graphql_server.types.RunDrift")]
NeighbourRunRef = Annotated["NeighbourRun", strawberry.lazy("graphql_server.types.NeighbourRun")]


@strawberry.type(description="A run of a pipeline component: one OTel span that carries mltrace.component.")
class ComponentRun:
    # Scalars are plain fields, filled once from the record: Strawberry resolves those with a bare getattr,
    # several times cheaper than a method resolver, which counts when a lineage answer holds thousands of runs.
    record: strawberry.Private[Run]
    id: strawberry.ID = strawberry.field(description="The span id: 16 lowercase hexadecimal characters.")
    trace_id: str = strawberry.field(description="The OTel trace id (32 hex characters).")
    parent_id: str | None = strawberry.field(description="The parent span id within the OTel trace, if any.")
    name: str = strawberry.field(description="The span name.")
    kind: str = strawberry.field(description="The OTel span kind (INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER).")
    is_component_run: bool = strawberry.field(
        description="False for plain spans of an OTel trace that are not component runs."
    )
    component_name: str | None = strawberry.field(description="The component's name (null for plain spans).")
    start_time: datetime
    end_time: datetime
    duration_ms: float
    status: RunStatus
    git_hash: str | None = strawberry.field(description="The commit of the code that ran.")
    code_hash: str | None = strawberry.field(
        description="sha256 of the code snapshot, shared by runs of identical source."
    )
    notes: str | None
    service_name: str | None = strawberry.field(description="service.name of the process that ran it.")
    arrival_cursor: str | None = strawberry.field(
        default=None,
        description="In runAdded events: where this run arrived. Pass it as runAdded(after:) to resume after it "
        "(every run stored since, once). Null elsewhere.",
    )

    # Fields read from the stored JSON columns resolve on demand: the record decodes a column only when one of
    # them is asked for, so a large answer that does not ask pays nothing for them.

    @strawberry.field(description="Tags of the commit of the code that ran.")
    def git_tags(self) -> list[str]:
        return self.record.git_tags

    @strawberry.field(description="Every span attribute, as it was stored.")
    def attributes(self) -> JSON:
        return cast(JSON, self.record.attributes)

    @strawberry.field(description="OTel resource attributes of the process that ran it.")
    def resource(self) -> JSON:
        return cast(JSON, self.record.resource)

    @strawberry.field(description="OTel span links: a list of {traceId, spanId, attributes}.")
    def links(self) -> JSON:
        # Stored as the store writes them (snake_case); named here as the API documents them.
        return cast(
            JSON,
            [
                {"traceId": li.get("trace_id"), "spanId": li.get("span_id"), "attributes": li.get("attributes") or {}}
                for li in self.record.links
            ],
        )

    @strawberry.field(
        description="OTel span events: a list of {name, timeUnixNano, attributes}; timeUnixNano is a string of "
        "digits, as in OTLP/JSON (JavaScript numbers cannot hold nanoseconds since 1970)."
    )
    def events(self) -> JSON:
        return cast(
            JSON,
            [
                {"name": e.get("name"), "timeUnixNano": str(e.get("time_ns")), "attributes": e.get("attributes") or {}}
                for e in self.record.events
            ],
        )

    @strawberry.field(description="Before/after test results of the component, one object per test.")
    def test_results(self) -> JSON:
        return cast(JSON, self.record.test_results)

    @classmethod
    def from_record(cls, record: Run) -> ComponentRun:
        return cls(
            record=record,
            id=strawberry.ID(record.id),
            trace_id=record.trace_id,
            parent_id=record.parent_id,
            name=record.name,
            kind=record.kind,
            is_component_run=record.component is not None,
            component_name=record.component,
            start_time=record.start,
            end_time=record.end,
            duration_ms=record.duration_ms,
            status=RunStatus(code=StatusCode(record.status_code), message=record.status_message),
            git_hash=record.git_hash,
            code_hash=record.code_hash,
            notes=record.notes,
            service_name=record.service_name,
        )

    # component, inputs, outputs and stale answer synchronously when a list resolver prefetched them for every
    # run (graphql_server/prefetch.py), and fall back to the loader otherwise. Returning an awaitable from a
    # plain resolver is fine for graphql-core; the cast only tells the type checker what it resolves to.

    @strawberry.field(description="The component this run belongs to (null for plain spans).")
    def component(self, info: Info) -> Component | None:
        name = self.record.component
        if name is None:
            return None
        found = cached(info.context.loaders.component_by_name, name)
        if is_loaded(found):
            return Component.from_record(found) if found else Component.named(name)
        return cast(Component, self._component(info, name))

    async def _component(self, info: Info, name: str) -> Component:
        found = await info.context.loaders.component_by_name.load(name)
        return Component.from_record(found) if found else Component.named(name)

    @strawberry.field(description="IO pointers this run read, with their flag state.")
    def inputs(self, info: Info) -> list[IOPointer]:
        return self._pointers(info, inputs=True)

    @strawberry.field(description="IO pointers this run wrote, with their flag state.")
    def outputs(self, info: Info) -> list[IOPointer]:
        return self._pointers(info, inputs=False)

    def _pointers(self, info: Info, *, inputs: bool) -> list[IOPointer]:
        loaders = info.context.loaders
        io = cached(loaders.run_io, self.record.id)
        if is_loaded(io):
            names = io.inputs if inputs else io.outputs
            found = [cached(loaders.pointer_by_name, n) for n in names]
            if all(is_loaded(p) for p in found):
                return _pointer_objects(names, found)
        return cast(list[IOPointer], self._load_pointers(info, inputs=inputs))

    async def _load_pointers(self, info: Info, *, inputs: bool) -> list[IOPointer]:
        io = await info.context.loaders.run_io.load(self.record.id)
        names = io.inputs if inputs else io.outputs
        return _pointer_objects(names, await info.context.loaders.pointer_by_name.load_many(names))

    @strawberry.field(description="Runs this run depends on (their outputs were its inputs, or a span link).")
    async def dependencies(self, info: Info) -> list[ComponentRun]:
        pairs = await info.context.loaders.run_dependencies.load(self.record.id)
        return await _distinct_runs(info, pairs)

    @strawberry.field(description="Runs that depend on this run.")
    async def dependents(self, info: Info) -> list[ComponentRun]:
        pairs = await info.context.loaders.run_dependents.load(self.record.id)
        return await _distinct_runs(info, pairs)

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

    @strawberry.field(description="Dependencies, each run once, with every pointer (or the span link) between.")
    async def dependencies_via(self, info: Info) -> list[NeighbourRunRef]:
        return _neighbours(await info.context.loaders.run_dependencies.load(self.record.id), upstream=True)

    @strawberry.field(description="Dependents, each run once, with every pointer (or the span link) between.")
    async def dependents_via(self, info: Info) -> list[NeighbourRunRef]:
        return _neighbours(await info.context.loaders.run_dependents.load(self.record.id), upstream=False)

    @strawberry.field(description="Why this run is stale; empty when it is fresh.")
    def stale(self, info: Info) -> list[StaleReasonRef]:
        from graphql_server.types.StaleReason import StaleReason

        reasons = cached(info.context.loaders.run_stale_reasons, self.record.id)
        if is_loaded(reasons):
            return [StaleReason.from_record(r) for r in reasons]
        return cast(list[StaleReason], self._stale(info))

    async def _stale(self, info: Info) -> list[StaleReasonRef]:
        from graphql_server.types.StaleReason import StaleReason

        reasons = await info.context.loaders.run_stale_reasons.load(self.record.id)
        return [StaleReason.from_record(r) for r in reasons]

    @strawberry.field(
        description="Failed runs that meant to rewrite some of this run's outputs after it, newest first (failed "
        "runs do not produce: this run stays their producer)."
    )
    async def newer_failed_attempts(self, info: Info) -> list[FailedAttemptRef]:
        from graphql_server.types.FailedAttempt import FailedAttempt

        attempts = await info.context.loaders.run_failed_attempts.load(self.record.id)
        return [FailedAttempt.from_record(a) for a in attempts]

    @strawberry.field(
        description="Drifted windows (hours) of monitored tasks that outputs this run logged fall in; empty when "
        "none drifted."
    )
    async def drift(self, info: Info) -> list[RunDriftRef]:
        from graphql_server.types.RunDrift import RunDrift

        found = await info.context.loaders.run_drift.load(self.record.id)
        return [RunDrift.from_record(r) for r in found]

    @strawberry.field(description="Source of the function that ran, when it was captured.")
    async def code_snapshot(self, info: Info) -> str | None:
        if not self.record.code_hash:
            return None
        return await info.context.loaders.code_snapshot.load(self.record.code_hash)


def _neighbours(pairs: list[tuple[Edge, Run]], *, upstream: bool) -> list[NeighbourRunRef]:
    from graphql_server.types.NeighbourRun import NeighbourRun

    others = {run.id: run for _, run in pairs}
    return [
        NeighbourRun(edge=m, other=others[m.producer_id if upstream else m.consumer_id])
        for m in merge_edges(edge for edge, _ in pairs)
    ]


def _pointer_objects(names: list[str], found: list[IOPointerRecord | None]) -> list[IOPointer]:
    return [IOPointer.from_record(p) if p else IOPointer.named(n) for n, p in zip(names, found, strict=True)]


async def _distinct_runs(info: Info, pairs: list[tuple[Edge, Run]]) -> list[ComponentRun]:
    # A run reached through two pointers is one dependency. Priming lets `run(id)` and friends reuse the row.
    runs: dict[str, Run] = {}
    for _, run in pairs:
        runs.setdefault(run.id, run)
    info.context.loaders.run_by_id.prime_many(runs)
    # Every parent of this level prefetches in the same tick, so the loaders still batch the whole level.
    await prefetch_runs(info, (), list(runs), (r.component for r in runs.values()))
    return [ComponentRun.from_record(run) for run in runs.values()]
