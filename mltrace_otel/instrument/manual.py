"""``log_component_run``: record a hand-built ``ComponentRun`` (mltrace 0.17's) as a span with its own times."""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import Link, SpanContext, TraceFlags

from mltrace_otel import semconv
from mltrace_otel.entities.component_run import ComponentRun
from mltrace_otel.entities.io_pointer import PointerTypeEnum
from mltrace_otel.instrument.configure import ensure_configured, flush_in_worker_process
from mltrace_otel.instrument.run_handle import RunHandle
from mltrace_otel.instrument.runs import _parent_context, run_attributes, threshold_attributes, tracer
from mltrace_otel.queries.records import datetime_to_ns


def _upstream_links(run: ComponentRun, start_ns: int) -> list[Link]:
    """Span links to the latest run of each upstream component that started before this one."""
    if not run.dependencies:
        return []
    from mltrace_otel.instrument.configure import flush, store_url
    from mltrace_otel.queries.errors import NotFound
    from mltrace_otel.queries.runs import latest_runs_of
    from mltrace_otel.store.engine import get_engine

    flush()  # runs this process ended just before must be visible
    with get_engine(store_url()).connect() as conn:
        latest = latest_runs_of(conn, run.dependencies, start_ns)
    links = []
    for name in run.dependencies:
        if name not in latest:
            raise NotFound("run of component", name, "log the upstream component before its dependents")
        trace_id, span_id = latest[name]
        ctx = SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(1))
        links.append(Link(ctx, {"mltrace.link": "upstream", "mltrace.upstream.component": name}))
    return links


def _missing_timestamps(run: ComponentRun) -> str:
    missing = [which for which, ts in (("start", run.start_timestamp), ("end", run.end_timestamp)) if ts is None]
    return " and ".join(missing)


def log_component_run(
    component_run: ComponentRun,
    set_dependencies_from_inputs: bool = True,
    staleness_threshold: float | None = None,
) -> str:
    """Record a hand-built run as a span with its own timestamps; returns the run id (its span id).

    As in mltrace 0.17, both timestamps must be set (``set_start_timestamp()``/``set_end_timestamp()``), else
    ``RuntimeError``. ``set_upstream`` names add span links to the latest run of each component; with
    ``set_dependencies_from_inputs=False`` those are its only dependencies (its inputs are recorded, but lineage
    does not follow them to their producers). ``staleness_threshold`` (seconds) is recorded with the run.
    """
    if not isinstance(component_run, ComponentRun):
        raise TypeError(f"log_component_run takes a ComponentRun (got {type(component_run).__name__})")
    missing = _missing_timestamps(component_run)
    if missing:
        raise RuntimeError(
            f"{component_run.component_name} ComponentRun has no {missing} timestamp; call "
            "set_start_timestamp() and set_end_timestamp() (or pass start_timestamp/end_timestamp) before logging"
        )
    start_ns = datetime_to_ns(component_run.start_timestamp)  # type: ignore[arg-type]
    end_ns = datetime_to_ns(component_run.end_timestamp)  # type: ignore[arg-type]
    if end_ns < start_ns:
        raise ValueError(f"run of {component_run.component_name!r} ends before it starts; check its timestamps")
    attrs: dict[str, Any] = dict(threshold_attributes(staleness_threshold) or {})
    if not set_dependencies_from_inputs:
        attrs[semconv.DEPENDENCIES_FROM_INPUTS] = False
    if component_run.git_hash:
        attrs[semconv.GIT_HASH] = component_run.git_hash
    if component_run.git_tags:
        attrs[semconv.GIT_TAGS] = [str(t) for t in component_run.git_tags]
    if component_run.code_snapshot:
        attrs[semconv.CODE_SNAPSHOT] = component_run.code_snapshot
    ensure_configured()
    span = tracer().start_span(
        component_run.component_name,
        context=_parent_context(),
        attributes=run_attributes(component_run.component_name, notes=component_run.notes or None, extra=attrs),
        links=_upstream_links(component_run, start_ns),
        start_time=start_ns,
    )
    handle = RunHandle(span, component_run.component_name)
    for direction, pointers in (("in", component_run.inputs), ("out", component_run.outputs)):
        add = handle.add_input if direction == "in" else handle.add_output
        for pointer in pointers:
            # A type set explicitly overrides the one the store infers from the name.
            explicit = pointer.pointer_type if pointer.pointer_type is not PointerTypeEnum.UNKNOWN else None
            add(pointer.name, explicit.kind.value if explicit else None)
    handle.finish()
    span.end(end_time=end_ns)
    flush_in_worker_process()
    component_run._id = handle.id  # the entity's id is read-only to users, as in mltrace
    return handle.id
