"""Recording component runs: the ``component_run`` context manager and mltrace's ``@register`` decorator.

Both produce the same span shape as a plain ``tracer.start_as_current_span(..., attributes={"mltrace.component":
...})``. The caller's thread only builds the span (tens of microseconds); storing happens on the exporter's thread.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Callable, Coroutine, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import context, trace
from opentelemetry.trace import Link, StatusCode

from mltrace_otel import semconv
from mltrace_otel.config import threshold_seconds
from mltrace_otel.instrument.code_info import function_file, function_source, git_info_for_file, qualified_name
from mltrace_otel.instrument.configure import ensure_configured, flush_in_worker_process
from mltrace_otel.instrument.io_plan import IOPlan
from mltrace_otel.instrument.locals_capture import LocalsCapture
from mltrace_otel.instrument.propagation import context_from_env
from mltrace_otel.instrument.run_handle import RunHandle, attach_run

F = TypeVar("F", bound=Callable[..., Any])
TRACER_NAME = semconv.SCOPE


_tracer_cache: tuple[object, trace.Tracer] | None = None


def tracer() -> trace.Tracer:
    """Our tracer from the current global provider; cached (the SDK builds a new Tracer on every get_tracer)."""
    global _tracer_cache
    provider = trace.get_tracer_provider()
    cached = _tracer_cache
    if cached is None or cached[0] is not provider:
        cached = _tracer_cache = (provider, trace.get_tracer(TRACER_NAME))
    return cached[1]


@functools.lru_cache(maxsize=1024)
def _code_attributes(func: Callable[..., Any] | None, where: str) -> tuple[tuple[str, Any], ...]:
    """What code ran, computed once per function (or calling file): name, file, source, the repository's commit
    and tags. ``where`` is the file of a ``with component_run(...)`` block, or the working directory."""
    attrs: dict[str, Any] = {}
    path = function_file(func) if func else (where if os.path.isfile(where) else None)
    if func is not None:
        attrs[semconv.CODE_FUNCTION] = qualified_name(func)
        source = function_source(func)
        if source:
            attrs[semconv.CODE_SNAPSHOT] = source
    if path:
        attrs[semconv.CODE_FILE] = path
    commit, git_tags = git_info_for_file(path or where or None)
    if commit:
        attrs[semconv.GIT_HASH] = commit
    if git_tags:
        attrs[semconv.GIT_TAGS] = list(git_tags)
    return tuple(attrs.items())


def run_attributes(
    component: str,
    *,
    tags: Iterable[str] = (),
    description: str | None = None,
    owner: str | None = None,
    notes: str | None = None,
    func: Callable[..., Any] | None = None,
    extra: dict[str, Any] | None = None,
    caller_file: str | None = None,
) -> dict[str, Any]:
    if not isinstance(component, str) or not component.strip():
        raise ValueError("a component run needs a non-empty component name")
    attrs: dict[str, Any] = {semconv.COMPONENT: component}
    tag_list = [str(t) for t in tags if t]
    if tag_list:
        attrs[semconv.TAGS] = tag_list
    if description:
        attrs[semconv.DESCRIPTION] = description
    if owner:
        attrs[semconv.OWNER] = owner
    if notes:
        attrs[semconv.NOTES] = notes
    # A function's file fixes its repository; a bare block uses its caller's file (real files only: "<stdin>"
    # and notebooks fall back to the working directory).
    if func is not None:
        where = ""
    elif caller_file and not caller_file.startswith("<"):
        where = caller_file
    else:
        where = os.getcwd()
    attrs.update(_code_attributes(func, where))
    if extra:
        attrs.update(extra)
    return attrs


def _parent_context() -> context.Context | None:
    """With no span active in this process, join the trace a parent process passed in TRACEPARENT."""
    if trace.get_current_span().get_span_context().is_valid:
        return None
    return context_from_env()


@contextmanager
def component_run(
    component: str,
    *,
    inputs: Iterable[Any] = (),
    outputs: Iterable[Any] = (),
    tags: Iterable[str] = (),
    description: str | None = None,
    owner: str | None = None,
    notes: str | None = None,
    links: Sequence[Link] = (),
    attributes: dict[str, Any] | None = None,
    start_time: int | None = None,
    _func: Callable[..., Any] | None = None,
) -> Iterator[RunHandle]:
    """Record the block as one run of ``component``; add IO with ``run.add_input``/``run.add_output``.

    An exception marks the run ERROR with an exception event and propagates: failed runs are stored too.
    """
    ensure_configured()
    # The user's frame, two up from this generator (past contextlib's __enter__): the file the block is in.
    caller = sys._getframe(2).f_code.co_filename if _func is None else None
    attrs = run_attributes(
        component,
        tags=tags,
        description=description,
        owner=owner,
        notes=notes,
        func=_func,
        extra=attributes,
        caller_file=caller,
    )
    try:
        with tracer().start_as_current_span(
            component, context=_parent_context(), attributes=attrs, links=list(links), start_time=start_time
        ) as span:
            handle = RunHandle(span, component, inputs, outputs)
            token = attach_run(handle)
            try:
                yield handle
            except (KeyboardInterrupt, SystemExit) as exc:
                # OTel records only Exception subclasses; a run stopped part-way (Ctrl-C, sys.exit(1)) did not
                # succeed either, and its outputs may be partial: store it as failed.
                if not (isinstance(exc, SystemExit) and exc.code in (None, 0)):
                    span.record_exception(exc)
                    span.set_status(StatusCode.ERROR, f"interrupted by {type(exc).__name__}")
                raise
            finally:
                context.detach(token)  # type: ignore[arg-type]
                handle.finish()
    finally:
        flush_in_worker_process()  # the span has ended: a worker process must store it now


def register(
    component_name: str,
    inputs: Iterable[Any] = (),
    outputs: Iterable[Any] = (),
    input_vars: Iterable[str] = (),
    output_vars: Iterable[str] = (),
    input_kwargs: Mapping[str, str] | None = None,
    output_kwargs: Mapping[str, str] | None = None,
    endpoint: bool = False,
    staleness_threshold: float | None = None,
    auto_log: bool = False,
    *,
    tags: Iterable[str] = (),
    description: str | None = None,
    owner: str | None = None,
) -> Callable[[F], F]:
    """mltrace 0.17's decorator, with its arguments in its order: each call of the function is one run of
    ``component_name``.

    ``input_vars``/``output_vars`` name local variables (arguments included, or ``"return"``) whose final values
    are IO pointers; ``input_kwargs``/``output_kwargs`` pair a variable naming pointers with one holding their
    values; ``auto_log`` records arguments and locals that look like data or models (instrument/io_plan.py);
    ``endpoint`` marks every output an endpoint. ``staleness_threshold`` (seconds) is how long before this run a
    dependency may have started before the run counts as stale (default ``MLTRACE_STALENESS_DAYS``, 30 days).
    """
    plan = IOPlan.of(
        component_name, inputs, outputs, input_vars, output_vars, input_kwargs, output_kwargs, endpoint, auto_log
    )
    run_options: dict[str, Any] = {
        "tags": list(tags),
        "description": description,
        "owner": owner,
        "attributes": threshold_attributes(staleness_threshold),
    }

    def decorate(func: F) -> F:
        code = getattr(func, "__code__", None)
        needs_locals = plan.needs_locals and code is not None

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with component_run(component_name, _func=func, **run_options) as run:
                arguments = plan.arguments(func, args, kwargs) if plan.auto_log else {}
                plan.start(run, arguments)
                if not needs_locals:
                    return func(*args, **kwargs)
                capture = LocalsCapture(code)  # type: ignore[arg-type]
                try:
                    with capture:
                        result = func(*args, **kwargs)
                except BaseException:
                    # A failed run still records what it read and wrote, without masking the real error.
                    if capture.frame is not None:
                        with contextlib.suppress(ValueError):
                            plan.finish(run, capture, arguments)
                    raise
                plan.finish(run, capture, arguments)
                return result

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with component_run(component_name, _func=func, **run_options) as run:
                    arguments = plan.arguments(func, args, kwargs) if plan.auto_log else {}
                    plan.start(run, arguments)
                    if not needs_locals:
                        return await func(*args, **kwargs)
                    capture = LocalsCapture(code)  # type: ignore[arg-type]
                    try:
                        result = await _CapturedCoroutine(func(*args, **kwargs), capture)
                    except BaseException:
                        if capture.frame is not None:
                            with contextlib.suppress(ValueError):
                                plan.finish(run, capture, arguments)
                        raise
                    capture.returned = result  # the last "return" event of a coroutine may be a suspension
                    plan.finish(run, capture, arguments)
                    return result

            return async_wrapper  # type: ignore[return-value]
        return wrapper  # type: ignore[return-value]

    return decorate


def threshold_attributes(staleness_threshold: float | None) -> dict[str, Any] | None:
    """The span attribute recording a run's own staleness threshold; ValueError when it is not positive."""
    if staleness_threshold is None:
        return None
    return {semconv.STALENESS_THRESHOLD: threshold_seconds(staleness_threshold)}


class _CapturedCoroutine:
    """Awaits ``coro`` one step at a time, with the locals capture installed only while the coroutine's own step
    runs: other tasks interleaving on the event loop are never traced, and their captures never clobber ours."""

    def __init__(self, coro: Coroutine[Any, Any, Any], capture: LocalsCapture) -> None:
        self.coro = coro
        self.capture = capture

    def __await__(self) -> Generator[Any, Any, Any]:
        to_send: Any = None
        to_throw: BaseException | None = None
        while True:
            try:
                with self.capture:
                    yielded = self.coro.send(to_send) if to_throw is None else self.coro.throw(to_throw)
            except StopIteration as stop:
                return stop.value
            to_send, to_throw = None, None
            try:
                to_send = yield yielded
            except BaseException as exc:  # cancellation and errors thrown in by the event loop go to the coroutine
                to_throw = exc
