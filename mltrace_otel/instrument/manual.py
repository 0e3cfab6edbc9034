"""Hand-built runs with explicit timestamps (back-filling history), mltrace's ``ComponentRun`` and
``log_component_run``."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from opentelemetry.trace import Link, SpanContext, TraceFlags

from mltrace_otel import semconv
from mltrace_otel.instrument.configure import ensure_configured, flush_in_worker_process
from mltrace_otel.instrument.run_handle import RunHandle, pointer_names
from mltrace_otel.instrument.runs import _parent_context, run_attributes, tracer


def _to_ns(value: datetime | float | int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return int(value.timestamp() * 1e6) * 1000
    if isinstance(value, int) and value > 10**14:  # already nanoseconds
        return value
    return int(float(value) * 1e9)


class ComponentRun:
    """A run described by hand: component, times, IO, code and explicit upstream components."""

    def __init__(
        self,
        component_name: str,
        start_timestamp: datetime | float | None = None,
        end_timestamp: datetime | float | None = None,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        git_hash: str | None = None,
        code_snapshot: str | bytes | None = None,
        notes: str = "",
        dependencies: Iterable[str] = (),
    ) -> None:
        self.component_name = component_name
        self.start_timestamp = start_timestamp
        self.end_timestamp = end_timestamp
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.add_inputs(inputs)
        self.add_outputs(outputs)
        self.git_hash = git_hash
        self.code_snapshot: str | None = None
        self.set_code_snapshot(code_snapshot)
        self.notes = notes
        self.dependencies: list[str] = list(dependencies)
        self.id: str | None = None  # the span id, once logged

    def set_start_time(self, ts: datetime | float | None = None) -> None:
        self.start_timestamp = ts if ts is not None else datetime.now().astimezone()

    def set_end_time(self, ts: datetime | float | None = None) -> None:
        self.end_timestamp = ts if ts is not None else datetime.now().astimezone()

    def add_input(self, pointer: Any) -> None:
        self.inputs.extend(p for p in pointer_names(pointer) if p not in self.inputs)

    def add_inputs(self, pointers: Iterable[Any]) -> None:
        for p in pointers:
            self.add_input(p)

    def add_output(self, pointer: Any) -> None:
        self.outputs.extend(p for p in pointer_names(pointer) if p not in self.outputs)

    def add_outputs(self, pointers: Iterable[Any]) -> None:
        for p in pointers:
            self.add_output(p)

    def set_upstream(self, dependencies: str | Iterable[str]) -> None:
        """Depend explicitly on the latest run of each named component (recorded as span links)."""
        names = [dependencies] if isinstance(dependencies, str) else list(dependencies)
        self.dependencies.extend(n for n in names if n not in self.dependencies)

    def set_git_hash(self, git_hash: str) -> None:
        self.git_hash = git_hash

    def set_code_snapshot(self, code_snapshot: str | bytes | None) -> None:
        if isinstance(code_snapshot, bytes):
            code_snapshot = code_snapshot.decode("utf-8", "replace")
        self.code_snapshot = code_snapshot or None

    def add_notes(self, notes: str) -> None:
        self.notes = notes

    def __repr__(self) -> str:
        return f"ComponentRun({self.component_name!r}, id={self.id!r}, inputs={self.inputs}, outputs={self.outputs})"


def _upstream_links(run: ComponentRun, start_ns: int) -> list[Link]:
    """Span links to the latest run of each upstream component that started before this one."""
    if not run.dependencies:
        return []
    from sqlalchemy import select

    from mltrace_otel.instrument.configure import flush, store_url
    from mltrace_otel.queries.errors import NotFound
    from mltrace_otel.store.engine import get_engine
    from mltrace_otel.store.models import spans

    flush()  # runs this process ended just before must be visible
    links = []
    with get_engine(store_url()).connect() as conn:
        for name in run.dependencies:
            row = conn.execute(
                select(spans.c.trace_id, spans.c.span_id)
                .where(spans.c.component == name, spans.c.start_ns <= start_ns)
                .order_by(spans.c.start_ns.desc(), spans.c.span_id.desc())
                .limit(1)
            ).first()
            if row is None:
                raise NotFound("run of component", name, "log the upstream component before its dependents")
            ctx = SpanContext(int(row.trace_id, 16), int(row.span_id, 16), is_remote=True, trace_flags=TraceFlags(1))
            links.append(Link(ctx, {"mltrace.link": "upstream", "mltrace.upstream.component": name}))
    return links


def log_component_run(run: ComponentRun, set_dependencies_from_inputs: bool = True) -> str:
    """Record a hand-built run as a span with its own timestamps; returns the run id.

    Dependencies through IO pointers are derived by the store as for every run (``set_dependencies_from_inputs``
    is accepted for mltrace compatibility; lineage is always derived from inputs).
    """
    start_ns = _to_ns(run.start_timestamp) or time.time_ns()
    end_ns = _to_ns(run.end_timestamp) or max(start_ns, time.time_ns())
    if end_ns < start_ns:
        raise ValueError(f"run of {run.component_name!r} ends before it starts; check its timestamps")
    attrs: dict[str, Any] = {}
    if run.git_hash:
        attrs[semconv.GIT_HASH] = run.git_hash
    if run.code_snapshot:
        attrs[semconv.CODE_SNAPSHOT] = run.code_snapshot
    ensure_configured()
    span = tracer().start_span(
        run.component_name,
        context=_parent_context(),
        attributes=run_attributes(run.component_name, notes=run.notes or None, extra=attrs),
        links=_upstream_links(run, start_ns),
        start_time=start_ns,
    )
    handle = RunHandle(span, run.component_name, run.inputs, run.outputs)
    handle.finish()
    span.end(end_time=end_ns)
    flush_in_worker_process()
    run.id = handle.id
    return run.id
