"""``ComponentRun``: a run described by hand, as mltrace 0.17 had it; ``log_component_run`` records it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from mltrace_otel.entities.base import Entity
from mltrace_otel.entities.io_pointer import IOPointer, PointerTypeEnum, as_pointer

PointerLike = IOPointer | str | dict[str, Any]


def _timestamp(ts: datetime | None, which: str) -> datetime | None:
    if ts is not None and not isinstance(ts, datetime):
        raise TypeError(f"the {which} timestamp must be a datetime (got {type(ts).__name__}: {ts!r})")
    return ts


def _notes(notes: str) -> str:
    if not isinstance(notes, str):
        raise TypeError(f"notes must be a str (got {type(notes).__name__})")
    return notes


def _unique(pointers: Iterable[PointerLike]) -> list[IOPointer]:
    return list(dict.fromkeys(as_pointer(p) for p in pointers))


class ComponentRun(Entity):
    """One run of a component: times, inputs and outputs, code, notes and the components it depends on.

    Arguments keep mltrace 0.17's order. Naive datetimes are read as UTC (mltrace used ``utcnow``). ``id`` is
    the run's span id (16 hex characters) once logged; mltrace 0.17 used integers.
    """

    FIELDS: ClassVar[tuple[str, ...]] = (
        "component_name",
        "notes",
        "inputs",
        "outputs",
        "git_hash",
        "git_tags",
        "code_snapshot",
        "start_timestamp",
        "end_timestamp",
        "dependencies",
        "id",
        "stale",
    )

    def __init__(
        self,
        component_name: str,
        notes: str = "",
        start_timestamp: datetime | None = None,
        end_timestamp: datetime | None = None,
        inputs: Iterable[PointerLike] = (),
        outputs: Iterable[PointerLike] = (),
        git_hash: str | None = None,
        git_tags: list[str] | None = None,
        code_snapshot: str | bytes | None = None,
        id: str | None = None,
        stale: Iterable[str] = (),
        dependencies: Iterable[str] = (),
    ) -> None:
        if not isinstance(component_name, str) or not component_name.strip():
            raise ValueError("a component run needs a non-empty component name")
        self._component_name = component_name
        self._notes = _notes(notes)
        self._start_timestamp = _timestamp(start_timestamp, "start")
        self._end_timestamp = _timestamp(end_timestamp, "end")
        self._inputs = _unique(inputs)
        self._outputs = _unique(outputs)
        self.git_hash = git_hash
        self.git_tags = git_tags
        self.code_snapshot = code_snapshot  # bytes are decoded by the setter
        self._id = id
        self._stale = list(stale)
        self._dependencies = list(dict.fromkeys(dependencies))

    @property
    def component_name(self) -> str:
        return self._component_name

    @property
    def notes(self) -> str:
        return self._notes

    @notes.setter
    def notes(self, notes: str) -> None:
        self._notes = _notes(notes)

    @property
    def inputs(self) -> list[IOPointer]:
        return self._inputs

    @inputs.setter
    def inputs(self, inputs: Iterable[PointerLike]) -> None:
        self._inputs = _unique(inputs)

    @property
    def outputs(self) -> list[IOPointer]:
        return self._outputs

    @outputs.setter
    def outputs(self, outputs: Iterable[PointerLike]) -> None:
        self._outputs = _unique(outputs)

    @property
    def git_hash(self) -> str | None:
        return self._git_hash

    @git_hash.setter
    def git_hash(self, value: str | None) -> None:
        self._git_hash = value

    @property
    def git_tags(self) -> list[str] | None:
        return self._git_tags

    @git_tags.setter
    def git_tags(self, value: list[str] | None) -> None:
        self._git_tags = list(value) if value is not None else None

    @property
    def code_snapshot(self) -> str | None:
        return self._code_snapshot

    @code_snapshot.setter
    def code_snapshot(self, value: str | bytes | None) -> None:
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode("utf-8", "replace")
        self._code_snapshot = value

    @property
    def start_timestamp(self) -> datetime | None:
        return self._start_timestamp

    @property
    def end_timestamp(self) -> datetime | None:
        return self._end_timestamp

    @property
    def dependencies(self) -> list[str]:
        """Names of the components this run depends on explicitly (``set_upstream``), besides its inputs."""
        return self._dependencies

    @property
    def id(self) -> str | None:
        return self._id

    @property
    def stale(self) -> list[str]:
        """Why the run is stale, one sentence per reason (filled for runs read back from the store)."""
        return self._stale

    def set_start_timestamp(self, ts: datetime | None = None) -> None:
        """Set the start to ``ts`` (a datetime), or to now."""
        self._start_timestamp = _timestamp(ts, "start") if ts is not None else datetime.now(UTC)

    def set_end_timestamp(self, ts: datetime | None = None) -> None:
        """Set the end to ``ts`` (a datetime), or to now."""
        self._end_timestamp = _timestamp(ts, "end") if ts is not None else datetime.now(UTC)

    def add_input(self, inp: PointerLike, pointer_type: PointerTypeEnum | str | None = None) -> None:
        """Add one input: an IOPointer or a name (its type inferred from the name unless given)."""
        self._add([as_pointer(inp, pointer_type)], inputs=True)

    def add_inputs(self, inputs: Iterable[PointerLike]) -> None:
        self._add([as_pointer(p) for p in inputs], inputs=True)

    def add_output(self, out: PointerLike, pointer_type: PointerTypeEnum | str | None = None) -> None:
        """Add one output: an IOPointer or a name (its type inferred from the name unless given)."""
        self._add([as_pointer(out, pointer_type)], inputs=False)

    def add_outputs(self, outputs: Iterable[PointerLike]) -> None:
        self._add([as_pointer(p) for p in outputs], inputs=False)

    def _add(self, pointers: list[IOPointer], *, inputs: bool) -> None:
        # mltrace 0.17 kept a run's IO as the list of a set: each pointer once, in the set's order (IOPointer
        # hashes are stable across processes, so that order is too).
        for pointer in pointers:
            if inputs:
                self._inputs = list(set([*self._inputs, pointer]))
            else:
                self._outputs = list(set([*self._outputs, pointer]))

    def set_upstream(self, dependencies: str | Iterable[str]) -> None:
        """Depend on the latest run of each named component (as Airflow's ``set_upstream``)."""
        names = [dependencies] if isinstance(dependencies, str) else list(dependencies)
        self._dependencies = list(dict.fromkeys([*self._dependencies, *names]))

    def __repr__(self) -> str:
        params = self.to_dictionary()
        for key in ("start_timestamp", "end_timestamp"):
            if params[key] is not None:
                params[key] = params[key].isoformat()
        params["inputs"] = [p.name for p in params["inputs"]]
        params["outputs"] = [p.name for p in params["outputs"]]
        return json.dumps(params, default=str)
