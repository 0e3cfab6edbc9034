"""``RunHandle``: the live side of a component run, reachable from the OTel context of the code it wraps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import Span, format_span_id, format_trace_id

from mltrace_otel import semconv
from mltrace_otel.pointers import parse_kind

# The handle rides in the OTel Context, so save()/load() find the current run through the same mechanism as
# the current span: correct across threads that propagate context and in nested runs, with no frame tricks.
_RUN_KEY = context.create_key("mltrace-otel-run")


class RunHandle:
    """Collects a run's IO pointers and notes; written to the span's attributes when the run ends."""

    def __init__(self, span: Span, component: str, inputs: Iterable[Any] = (), outputs: Iterable[Any] = ()) -> None:
        self.span = span
        self.component = component
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.kinds: dict[str, str] = {}
        self.add_inputs(inputs)
        self.add_outputs(outputs)

    @property
    def id(self) -> str:
        """The run id: the span id as 16 lowercase hex characters."""
        return format_span_id(self.span.get_span_context().span_id)

    @property
    def trace_id(self) -> str:
        return format_trace_id(self.span.get_span_context().trace_id)

    def _add(self, target: list[str], value: Any, kind: str | None) -> None:
        for name in pointer_names(value):
            if name not in target:
                target.append(name)
            if kind:
                self.kinds[name] = parse_kind(kind).value

    def add_input(self, pointer: Any, kind: str | None = None) -> None:
        self._add(self.inputs, pointer, kind)

    def add_inputs(self, pointers: Iterable[Any]) -> None:
        for pointer in pointers:
            self._add(self.inputs, pointer, None)

    def add_output(self, pointer: Any, kind: str | None = None) -> None:
        self._add(self.outputs, pointer, kind)

    def add_outputs(self, pointers: Iterable[Any]) -> None:
        for pointer in pointers:
            self._add(self.outputs, pointer, None)

    def set_notes(self, notes: str) -> None:
        self.span.set_attribute(semconv.NOTES, notes)

    def set_attribute(self, key: str, value: Any) -> None:
        self.span.set_attribute(key, value)

    def finish(self) -> None:
        """Write IO to the span; called just before it ends."""
        if self.inputs:
            self.span.set_attribute(semconv.INPUTS, list(self.inputs))
        if self.outputs:
            self.span.set_attribute(semconv.OUTPUTS, list(self.outputs))
        if self.kinds:
            self.span.set_attribute(semconv.IO_KINDS, [f"{n}={k}" for n, k in self.kinds.items()])


def pointer_names(value: Any) -> list[str]:
    """mltrace's rule: a string is one pointer, a list/tuple/set one per element, None nothing; others str()."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [name for item in value for name in pointer_names(item)]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    name = value if isinstance(value, str) else str(value)
    return [name] if name else []


def current_run() -> RunHandle | None:
    """The component run the calling code is inside, if any."""
    handle = context.get_value(_RUN_KEY)
    if isinstance(handle, RunHandle) and handle.span.is_recording():
        return handle
    return None


def attach_run(handle: RunHandle) -> object:
    return context.attach(context.set_value(_RUN_KEY, handle))


def current_span_is_run() -> Span | None:
    """A plain-OTel span that carries mltrace.component (no handle): IO can still be appended to it."""
    span = trace.get_current_span()
    attrs = getattr(span, "attributes", None)
    if span.is_recording() and attrs and semconv.COMPONENT in attrs:
        return span
    return None
