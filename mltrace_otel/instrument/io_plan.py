"""Which IO pointers a decorated function's run records, from mltrace 0.17's arguments, shared by ``@register``
and ``Component.run``.

- ``inputs``/``outputs``: pointers named outright;
- ``input_vars``/``output_vars``: local variables (arguments included, or ``"return"``) whose final values are
  pointers: a string is one, a list one per element, None none;
- ``input_kwargs``/``output_kwargs``: ``{key variable: value variable}``; the key's final value names the
  pointer(s), the value variable holds what they point at (a list of names needs a list of values as long);
- ``auto_log``: arguments and final locals that look like data or models (instrument/auto_log.py);
- ``endpoint``: every output is an endpoint.

Names that are not variables of the function raise ``ValueError`` after it ran, as in mltrace; the run is
stored as failed with that error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mltrace_otel.instrument.auto_log import auto_pointers
from mltrace_otel.instrument.locals_capture import MISSING, LocalsCapture
from mltrace_otel.instrument.run_handle import RunHandle, pointer_names
from mltrace_otel.pointers import PointerKind


def _unknown(component: str, names: list[str], values: Mapping[str, Any]) -> ValueError:
    return ValueError(
        f"component {component!r}: {', '.join(repr(n) for n in names)} "
        f"{'is not a local variable or argument' if len(names) == 1 else 'are not local variables or arguments'} "
        f"of the function; known names: {', '.join(sorted(values)) or '(none)'}"
    )


def resolve_vars(names: Iterable[str], values: Mapping[str, Any], returned: Any, component: str) -> list[str]:
    """Pointer names from variables: str one, list one per element, None skipped, unknown name ValueError."""
    pointers: list[str] = []
    for name in names:
        if name == "return":  # the return value, even when it was never bound to a local name
            value = None if returned is MISSING else returned
        elif name in values:
            value = values[name]
        else:
            raise _unknown(component, [name], values)
        pointers.extend(pointer_names(value))
    return pointers


def resolve_kwargs(pairs: Mapping[str, str], values: Mapping[str, Any], component: str) -> list[str]:
    """Pointer names from mltrace's ``{key variable: value variable}`` pairs; ValueError names what is wrong."""
    pointers: list[str] = []
    for key, held in pairs.items():
        missing = [n for n in (key, held) if n not in values]
        if missing:
            raise _unknown(component, missing, values)
        names = values[key]
        if names is None:
            continue
        if isinstance(names, list):
            contents = values[held]
            if not isinstance(contents, list) or len(contents) != len(names):
                got = f"a list of {len(contents)}" if isinstance(contents, list) else type(contents).__name__
                raise ValueError(
                    f"component {component!r}: {held!r} must be a list as long as {key!r} ({len(names)} names), "
                    f"one value per name; it is {got}"
                )
        pointers.extend(pointer_names(names))
    return pointers


@dataclass(frozen=True)
class IOPlan:
    """What a decorated function records, fixed at decoration time."""

    component: str
    inputs: tuple[Any, ...] = ()
    outputs: tuple[Any, ...] = ()
    input_vars: tuple[str, ...] = ()
    output_vars: tuple[str, ...] = ()
    input_kwargs: dict[str, str] = field(default_factory=dict)
    output_kwargs: dict[str, str] = field(default_factory=dict)
    endpoint: bool = False
    auto_log: bool = False

    @classmethod
    def of(
        cls,
        component: str,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        input_vars: Iterable[str] = (),
        output_vars: Iterable[str] = (),
        input_kwargs: Mapping[str, str] | None = None,
        output_kwargs: Mapping[str, str] | None = None,
        endpoint: bool = False,
        auto_log: bool = False,
    ) -> IOPlan:
        for what, value in (("input_vars", input_vars), ("output_vars", output_vars)):
            if isinstance(value, str):
                raise TypeError(f"{what} must be a list of variable names, not the string {value!r}")
        for what, pairs in (("input_kwargs", input_kwargs), ("output_kwargs", output_kwargs)):
            if pairs is not None and not isinstance(pairs, Mapping):
                raise TypeError(f"{what} must be a dict {{key variable: value variable}} (got {pairs!r})")
        return cls(
            component,
            tuple(pointer_names(list(inputs))),
            tuple(pointer_names(list(outputs))),
            tuple(input_vars),
            tuple(output_vars),
            dict(input_kwargs or {}),
            dict(output_kwargs or {}),
            bool(endpoint),
            bool(auto_log),
        )

    @property
    def needs_locals(self) -> bool:
        return bool(self.input_vars or self.output_vars or self.input_kwargs or self.output_kwargs or self.auto_log)

    def arguments(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The call's arguments by parameter name, defaults included (auto_log reads them before the body runs)."""
        try:
            bound = inspect.signature(func).bind_partial(*args, **kwargs)
        except (TypeError, ValueError):
            return dict(kwargs)  # the call itself will raise the real TypeError
        bound.apply_defaults()
        return dict(bound.arguments)

    def start(self, run: RunHandle, arguments: Mapping[str, Any]) -> None:
        """Before the body: the pointers named outright, and auto-logged arguments (their values at call time)."""
        run.add_inputs(self.inputs)
        self._add_outputs(run, self.outputs)
        if self.auto_log:
            run.add_inputs(auto_pointers(arguments))

    def finish(self, run: RunHandle, capture: LocalsCapture, arguments: Mapping[str, Any]) -> None:
        """After the body: pointers from its final variables."""
        values, returned = capture.locals, capture.returned
        run.add_inputs(resolve_vars(self.input_vars, values, returned, self.component))
        run.add_inputs(resolve_kwargs(self.input_kwargs, values, self.component))
        self._add_outputs(run, resolve_vars(self.output_vars, values, returned, self.component))
        self._add_outputs(run, resolve_kwargs(self.output_kwargs, values, self.component))
        if self.auto_log:
            self._add_outputs(run, auto_pointers({k: v for k, v in values.items() if k not in arguments}))

    def _add_outputs(self, run: RunHandle, names: Iterable[str]) -> None:
        for name in names:
            run.add_output(name, PointerKind.ENDPOINT.value if self.endpoint else None)
