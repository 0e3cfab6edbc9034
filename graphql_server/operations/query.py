"""Query: every read of the API. Resolvers call loaders or one query-layer function; no SQL here."""

from __future__ import annotations

from datetime import datetime

import strawberry
from starlette.concurrency import run_in_threadpool

from graphql_server.context import Info
from graphql_server.errors import limit_exceeded
from graphql_server.loaders import load_existing
from graphql_server.prefetch import prefetch_runs, read_page, selected_names
from graphql_server.types.Component import Component
from graphql_server.types.ComponentRun import ComponentRun
from graphql_server.types.ComponentRunConnection import ComponentRunConnection
from graphql_server.types.IOPointer import IOPointer
from graphql_server.types.LineageDirection import LineageDirection
from graphql_server.types.LineageGraph import LineageGraph
from graphql_server.types.OtelTrace import OtelTrace
from graphql_server.types.Review import Review
from graphql_server.types.ReviewRanking import ReviewRanking
from graphql_server.types.RunFilter import RunFilter
from graphql_server.types.Task import Task
from mltrace_otel.monitoring.overview import task_rows
from mltrace_otel.monitoring.reads import task_names
from mltrace_otel.queries.components import all_tags, list_components
from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, Direction, latest_producers, lineage
from mltrace_otel.queries.pointers import flagged_pointers
from mltrace_otel.queries.records import Page, Run, datetime_to_ns
from mltrace_otel.queries.review import review
from mltrace_otel.queries.run_search import RunSearch, search_runs
from mltrace_otel.queries.runs import history, normalize_run_id, recent_runs, trace_spans

RECENT_DEFAULT = 20
HISTORY_DEFAULT = 10


def _ns(value: datetime | None) -> int | None:
    return datetime_to_ns(value) if value is not None else None


def _search(filter: RunFilter | None) -> RunSearch:
    if filter is None:
        return RunSearch()
    components = [*(filter.components or []), *([filter.component] if filter.component else [])]
    return RunSearch(
        components=components,
        tag=filter.tag,
        status=filter.status.value if filter.status else None,
        since_ns=_ns(filter.since),
        until_ns=_ns(filter.until),
        attributes=[(a.key, a.value) for a in filter.attributes or []],
    )


async def _connection(info: Info, page: Page, after: str | None) -> ComponentRunConnection:
    runs: list[Run] = page.items
    info.context.loaders.run_by_id.prime_many({r.id: r for r in runs})
    ids = [r.id for r in runs]
    components = [r.component for r in runs]
    # Clients read a page as edges { node } or as nodes: prefetch for whichever they asked.
    await prefetch_runs(info, ("edges", "node"), ids, components)
    await prefetch_runs(info, ("nodes",), ids, components)
    return ComponentRunConnection.from_page(page)


@strawberry.type
class Query:
    @strawberry.field(description="One run (or span) by id; null plus an error naming the id when unknown.")
    async def run(self, info: Info, id: strawberry.ID) -> ComponentRun | None:
        rid = normalize_run_id(id)
        return ComponentRun.from_record(await load_existing(info.context.loaders.run_by_id, rid, "run"))

    @strawberry.field(description="Component runs, newest first.")
    async def recent_runs(
        self, info: Info, first: int = RECENT_DEFAULT, after: str | None = None
    ) -> ComponentRunConnection:
        page = await read_page(info, recent_runs, first, after)
        return await _connection(info, page, after)

    @strawberry.field(description="Runs of one component, newest first; since/until bound the start (inclusive).")
    async def history(
        self,
        info: Info,
        component: str,
        first: int = HISTORY_DEFAULT,
        after: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> ComponentRunConnection:
        page = await read_page(info, history, component, first, after, _ns(since), _ns(until))
        return await _connection(info, page, after)

    @strawberry.field(description="Component runs matching a filter, newest first.")
    async def runs(
        self, info: Info, filter: RunFilter | None = None, first: int = RECENT_DEFAULT, after: str | None = None
    ) -> ComponentRunConnection:
        page = await read_page(info, search_runs, _search(filter), first, after)
        return await _connection(info, page, after)

    @strawberry.field(
        description="The latest run that produced `output`; nest `dependencies` as deep as you need (mltrace trace)."
    )
    async def trace(self, info: Info, output: str) -> ComponentRun | None:
        producers = await info.context.db.read(latest_producers, [output])
        if output not in producers:
            raise NotFound("output", output, "no stored run lists it among its outputs")
        found = await load_existing(info.context.loaders.run_by_id, producers[output], "run")
        return ComponentRun.from_record(found)

    @strawberry.field(
        description="The whole upstream (or downstream) graph of an output's latest producer or of a run, flat."
    )
    async def lineage(
        self,
        info: Info,
        output: str | None = None,
        run_id: strawberry.ID | None = None,
        direction: LineageDirection = LineageDirection.UPSTREAM,
        max_depth: int | None = None,
    ) -> LineageGraph | None:
        if output is None and run_id is None:
            raise InvalidArgument("lineage needs `output` or `runId`")
        cap = info.context.settings.lineage_max_nodes
        # Only `nodes { run }` shows a run's every column; other fields (and graphView) draw from the plain ones.
        whole_runs = "run" in selected_names(info, ("nodes",))
        # graphView alone reads the edges itself, side by side with the node facts.
        with_edges = bool(selected_names(info) & {"edges", "mergedEdges", "tree"})
        depth_cap = DEFAULT_MAX_DEPTH if max_depth is None else max_depth
        graph = await info.context.db.read(
            lineage,
            run_ids=[run_id] if run_id is not None else [],
            output=output,
            direction=Direction(direction.value),
            max_depth=depth_cap,
            max_nodes=cap,
            outline=not whole_runs,
            with_edges=with_edges,
        )
        if graph.truncated:
            raise limit_exceeded(
                f"lineage has more than {cap} runs, the server's lineage node limit (lineageMaxNodes, "
                "MLTRACE_LINEAGE_MAX_NODES); ask for less with maxDepth",
                "lineageMaxNodes",
                cap,
            )
        if whole_runs:  # outline runs must never reach the loaders other fields read
            info.context.loaders.run_by_id.prime_many(graph.runs)
            await prefetch_runs(info, ("nodes", "run"), list(graph.runs), (r.component for r in graph.runs.values()))
        return LineageGraph(
            record=graph, direction=Direction(direction.value), max_depth=depth_cap, edges_read=with_edges
        )

    @strawberry.field(description="One component by name; null plus an error naming it when unknown.")
    async def component(self, info: Info, name: str) -> Component | None:
        return Component.from_record(await load_existing(info.context.loaders.component_by_name, name, "component"))

    @strawberry.field(description="Components, by name; optionally only those with a tag and/or an owner.")
    async def components(self, info: Info, tag: str | None = None, owner: str | None = None) -> list[Component]:
        found = await info.context.db.read(list_components, tag, owner)
        return [Component.from_record(c) for c in found]

    @strawberry.field(description="Every tag in use, sorted.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.db.read(all_tags)

    @strawberry.field(description="One IO pointer by name; null plus an error naming it when unknown.")
    async def io_pointer(self, info: Info, name: str) -> IOPointer | None:
        detail = "it appears once a stored run reads or writes it"
        return IOPointer.from_record(
            await load_existing(info.context.loaders.pointer_by_name, name, "IO pointer", detail)
        )

    @strawberry.field(description="Outputs users flagged as wrong, most recently flagged first.")
    async def flagged_outputs(self, info: Info) -> list[IOPointer]:
        return [IOPointer.from_record(p) for p in await info.context.db.read(flagged_pointers)]

    @strawberry.field(
        description="Rank the runs in flagged outputs' traces by suspiciousness (Ochiai, or mltrace's coverage), "
        "explained; limit bounds the runs (components are all listed)."
    )
    async def review(
        self, info: Info, limit: int | None = None, rank_by: ReviewRanking = ReviewRanking.OCHIAI
    ) -> Review:
        if limit is not None and limit < 0:
            raise InvalidArgument(f"limit must be >= 0 (got {limit})")
        return Review(record=await info.context.db.read(review, limit, rank_by=rank_by.value))

    @strawberry.field(description="Every span of one OTel trace, oldest first, with parent ids.")
    async def otel_trace(self, info: Info, trace_id: str) -> OtelTrace | None:
        spans = await info.context.db.read(trace_spans, trace_id)
        info.context.loaders.run_by_id.prime_many({s.id: s for s in spans})
        await prefetch_runs(info, ("spans",), [s.id for s in spans], (s.component for s in spans))
        return OtelTrace(trace_id=spans[0].trace_id, spans=[ComponentRun.from_record(s) for s in spans])

    # ---------------------------------------------------------------- monitoring (tasks)

    @strawberry.field(description="The names of the monitored tasks, sorted (cheap: what the command bar completes).")
    async def task_names(self, info: Info) -> list[str]:
        return await run_in_threadpool(task_names, info.context.db.engine)

    @strawberry.field(description="Monitored tasks, drifted first (highest drift score first), then by name.")
    async def tasks(self, info: Info) -> list[Task]:
        rows = await run_in_threadpool(task_rows, info.context.db.engine)
        return [Task.from_row(r) for r in rows]

    @strawberry.field(description="One monitored task; null plus an error naming it when unknown.")
    async def task(self, info: Info, name: str) -> Task | None:
        rows = await run_in_threadpool(task_rows, info.context.db.engine)
        for row in rows:
            if row.name == name:
                return Task.from_row(row)
        raise NotFound("task", name, "tasks appear once an output or feedback is logged for them")
