"""The CLI's answers straight from the store, through the query layer (no SQL of its own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mltrace_otel.cli.backend import CliError
from mltrace_otel.cli.views import (
    ComponentScoreView,
    ComponentView,
    DependencyView,
    EdgeView,
    FailedAttemptView,
    GraphView,
    InspectView,
    PointerView,
    ReviewView,
    RunPage,
    RunScoreView,
    RunView,
    StaleView,
)
from mltrace_otel.config import database_url
from mltrace_otel.pointers import infer_kind
from mltrace_otel.queries import audited_writes as writes
from mltrace_otel.queries import components as q_components
from mltrace_otel.queries import pointers as q_pointers
from mltrace_otel.queries import runs as q_runs
from mltrace_otel.queries.details import RunDetails, run_details
from mltrace_otel.queries.lineage import Direction, lineage
from mltrace_otel.queries.lineage_tree import graph_tree, merge_edges
from mltrace_otel.queries.records import Component, Edge, IOPointer, Page, Run, ns_to_datetime
from mltrace_otel.queries.review import review
from mltrace_otel.store.engine import get_engine

# Keyset pages are capped at 1,000 rows by the query layer; larger --limit values are served page by page.
PAGE = 1_000
# A lineage graph larger than this is cut (and says so) rather than filling a terminal for minutes.
MAX_GRAPH_NODES = 20_000


def pointer_view(pointer: IOPointer | None, name: str) -> PointerView:
    if pointer is None:  # no stored row (cannot happen once ingest ran): unflagged, kind from the name
        return PointerView(name=name, kind=infer_kind(name).value, flagged=False)
    return PointerView(name=pointer.name, kind=pointer.kind, flagged=pointer.flagged)


def component_view(component: Component) -> ComponentView:
    return ComponentView(
        name=component.name, description=component.description, owner=component.owner, tags=list(component.tags)
    )


def _neighbours(edges: Sequence[Edge], upstream: bool, runs: dict[str, Run]) -> list[DependencyView]:
    views: list[DependencyView] = []
    for merged in merge_edges(edges):
        other = merged.producer_id if upstream else merged.consumer_id
        run = runs.get(other)
        component = (run.component or run.name) if run else None
        views.append(DependencyView(run_id=other, component=component, via=list(merged.vias), kind=merged.kind))
    return views


def run_views(conn: Connection, runs: Sequence[Run], *, with_code: bool = False) -> dict[str, RunView]:
    """Full views of many runs in a fixed number of statements (details, pointers, neighbours' components)."""
    details: dict[str, RunDetails] = run_details(conn, runs, with_code=with_code)
    names = {p for d in details.values() for p in (*d.io.inputs, *d.io.outputs)}
    pointers = q_pointers.pointers_by_names(conn, sorted(names))
    views: dict[str, RunView] = {}
    for rid, d in details.items():
        run = d.run
        views[rid] = RunView(
            id=run.id,
            trace_id=run.trace_id,
            component=run.component,
            name=run.name,
            status=run.status_code,
            status_message=run.status_message,
            start=run.start,
            end=run.end,
            duration_ms=run.duration_ms,
            inputs=[pointer_view(pointers.get(n), n) for n in d.io.inputs],
            outputs=[pointer_view(pointers.get(n), n) for n in d.io.outputs],
            dependencies=_neighbours(d.dependencies, True, d.neighbours),
            dependents=_neighbours(d.dependents, False, d.neighbours),
            stale=[StaleView(s.dependency_id, s.reason, s.newer_run_id, s.kind) for s in d.stale],
            git_hash=run.git_hash,
            git_tags=run.git_tags,
            notes=run.notes,
            service_name=run.service_name,
            code_snapshot=d.code_snapshot,
            test_results=run.test_results,
            newer_failed_attempts=[
                FailedAttemptView(a.run_id, a.component, list(a.pointers), ns_to_datetime(a.end_ns), a.reason)
                for a in d.failed_attempts
            ],
        )
    return views


class DatabaseBackend:
    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def engine(self, *, create: bool = False) -> Engine:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") and not create:
            path = Path(str(parsed.database)).expanduser()
            if not path.exists():
                raise CliError(
                    f"no mltrace store at {path} (the file does not exist); record runs first, or point "
                    "--database-url or MLTRACE_DATABASE_URL at your store"
                )
        return get_engine(self.url)

    @contextmanager
    def connection(self, *, write: bool = False, create: bool = False) -> Iterator[Connection]:
        try:
            engine = self.engine(create=create)
            with engine.begin() if write else engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise CliError(f"cannot use the database at {self.safe_url}: {reason}") from exc

    # Reads

    def _page(self, conn: Connection, fetch: Callable[[int, str | None], Page], limit: int) -> RunPage:
        runs: list[Run] = []
        after: str | None = None
        while True:
            page = fetch(min(PAGE, limit - len(runs)), after)
            runs.extend(page.items)
            if len(runs) >= limit or not page.has_next:
                break
            after = page.end_cursor
        views = run_views(conn, runs)
        return RunPage(runs=[views[r.id] for r in runs], has_more=page.has_next)

    def recent(self, limit: int) -> RunPage:
        with self.connection() as conn:
            return self._page(conn, lambda first, after: q_runs.recent_runs(conn, first, after), limit)

    def history(self, component: str, limit: int, since_ns: int | None, until_ns: int | None) -> RunPage:
        with self.connection() as conn:
            q_components.get_component(conn, component)
            return self._page(
                conn,
                lambda first, after: q_runs.history(conn, component, first, after, since_ns, until_ns),
                limit,
            )

    def inspect(self, run_id: str) -> InspectView:
        with self.connection() as conn:
            run = q_runs.get_run(conn, run_id)
            view = run_views(conn, [run], with_code=True)[run.id]
            found = q_components.components_by_names(conn, [run.component]) if run.component else {}
            component = found.get(run.component or "")
            return InspectView(run=view, component=component_view(component) if component else None)

    def graph(self, output: str, *, downstream: bool, max_depth: int) -> GraphView:
        direction = Direction.DOWNSTREAM if downstream else Direction.UPSTREAM
        with self.connection() as conn:
            found = lineage(conn, output=output, direction=direction, max_depth=max_depth, max_nodes=MAX_GRAPH_NODES)
            views = run_views(conn, list(found.runs.values()))
        return GraphView(
            output=output,
            direction=direction.value,
            roots=found.roots,
            depths=found.depths,
            runs=[views[rid] for rid in found.runs],
            edges=[EdgeView(e.consumer_id, e.producer_id, e.via, e.kind) for e in found.edges],
            truncated=found.truncated,
            merged=merge_edges(found.edges),
            tree=graph_tree(found, upstream=not downstream),
        )

    def components(self, tag: str | None, owner: str | None) -> list[ComponentView]:
        with self.connection() as conn:
            return [component_view(c) for c in q_components.list_components(conn, tag=tag, owner=owner)]

    def tags(self) -> list[str]:
        with self.connection() as conn:
            return q_components.all_tags(conn)

    def review(self, limit: int, rank_by: str) -> ReviewView:
        with self.connection() as conn:
            found = review(conn, limit=limit, rank_by=rank_by)
            views = run_views(conn, [s.run for s in found.runs])
        return ReviewView(
            ranking=found.ranking.value,
            flagged=[pointer_view(p, p.name) for p in found.flagged],
            producers=dict(found.producers),
            unproduced=list(found.unproduced),
            total_failed=found.total_failed,
            total_passed=found.total_passed,
            runs=[
                RunScoreView(views[s.run.id], s.failed, s.passed, s.coverage, s.ochiai, s.explanation)
                for s in found.runs
            ],
            components=[
                ComponentScoreView(c.component, c.failed, c.passed, c.runs, c.coverage, c.ochiai, c.explanation)
                for c in found.components
            ],
            passing_capped=found.passing_capped,
        )

    # Writes

    def tag(self, component: str, tags: list[str]) -> ComponentView:
        with self.connection(write=True) as conn:
            return component_view(writes.tag_component(conn, writes.local_actor(), component, tags))

    def set_flag(self, output: str, flagged: bool) -> PointerView:
        with self.connection(write=True) as conn:
            pointer = writes.set_flag(conn, writes.local_actor(), output, flagged)
            return pointer_view(pointer, pointer.name)

    def unflag_all(self) -> int:
        with self.connection(write=True) as conn:
            return writes.unflag_all(conn, writes.local_actor())

    def set_notes(self, run_id: str, notes: str) -> RunView:
        with self.connection(write=True) as conn:
            run = writes.set_notes(conn, writes.local_actor(), run_id, notes)
            return run_views(conn, [run])[run.id]

    # Administration (database mode only)

    def clear(self) -> dict[str, int]:
        with self.connection(write=True) as conn:
            return writes.clear(conn, writes.local_actor())

    def upgrade(self) -> tuple[str | None, str | None]:
        """Migrate the schema to the newest revision; (revision before, revision after)."""
        from mltrace_otel.store.migrate import current_revision, upgrade

        try:
            engine = get_engine(self.url, migrate=False)
            before = current_revision(engine)
            upgrade(engine)
            return before, current_revision(engine)
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise CliError(f"cannot use the database at {self.safe_url}: {reason}") from exc
