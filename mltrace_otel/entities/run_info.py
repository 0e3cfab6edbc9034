"""``RunInfo``: a stored run read back through mltrace's API, as a 0.17 ``ComponentRun`` plus what OTel adds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from mltrace_otel.entities.component_run import ComponentRun
from mltrace_otel.entities.io_pointer import IOPointer, PointerTypeEnum
from mltrace_otel.queries.details import RunDetails
from mltrace_otel.queries.records import IOPointer as PointerRecord
from mltrace_otel.queries.records import StaleReason


def _pointer(name: str, record: PointerRecord | None) -> IOPointer:
    if record is None:  # no stored row (cannot happen once ingest ran): unflagged, type from the name
        return IOPointer(name, pointer_type=PointerTypeEnum.inferred(name))
    return IOPointer(name, pointer_type=record.kind, flag=record.flagged)


class RunInfo(ComponentRun):
    """Every attribute of mltrace 0.17's ``ComponentRun`` (``component_name``, ``inputs``/``outputs`` as
    IOPointers with their type and flag, ``dependencies`` as component names, ``stale`` as sentences, ...), and:
    ``trace_id``, ``status`` (UNSET, OK or ERROR), ``status_message``, ``duration_ms``, ``dependency_ids`` (the runs
    it depends on), ``stale_reasons`` (with the runs they name) and ``newer_failed_attempts`` (failed runs that
    wrote one of its outputs after it).
    """

    FIELDS: ClassVar[tuple[str, ...]] = (
        *ComponentRun.FIELDS,
        "trace_id",
        "status",
        "status_message",
        "duration_ms",
        "dependency_ids",
        "stale_reasons",
        "newer_failed_attempts",
    )

    def __init__(
        self,
        component_name: str,
        notes: str = "",
        start_timestamp: datetime | None = None,
        end_timestamp: datetime | None = None,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        git_hash: str | None = None,
        git_tags: list[str] | None = None,
        code_snapshot: str | bytes | None = None,
        id: str | None = None,
        stale: Iterable[str] = (),
        dependencies: Iterable[str] = (),
        trace_id: str = "",
        status: str = "UNSET",
        status_message: str | None = None,
        duration_ms: float = 0.0,
        dependency_ids: Iterable[str] = (),
        stale_reasons: Iterable[StaleReason] = (),
        newer_failed_attempts: Iterable[str] = (),
    ) -> None:
        super().__init__(
            component_name,
            notes,
            start_timestamp,
            end_timestamp,
            inputs,
            outputs,
            git_hash,
            git_tags,
            code_snapshot,
            id,
            stale,
            dependencies,
        )
        self._trace_id = trace_id
        self._status = status
        self._status_message = status_message
        self._duration_ms = duration_ms
        self._dependency_ids = list(dependency_ids)
        self._stale_reasons = list(stale_reasons)
        self._newer_failed_attempts = list(newer_failed_attempts)

    @property
    def trace_id(self) -> str:
        return self._trace_id

    @property
    def status(self) -> str:
        return self._status

    @property
    def status_message(self) -> str | None:
        return self._status_message

    @property
    def failed(self) -> bool:
        return self._status == "ERROR"

    @property
    def duration_ms(self) -> float:
        return self._duration_ms

    @property
    def dependency_ids(self) -> list[str]:
        return self._dependency_ids

    @property
    def stale_reasons(self) -> list[StaleReason]:
        return self._stale_reasons

    @property
    def newer_failed_attempts(self) -> list[str]:
        return self._newer_failed_attempts

    @classmethod
    def from_details(
        cls, d: RunDetails, pointers: Mapping[str, PointerRecord], newer_failed_attempts: Iterable[str] = ()
    ) -> RunInfo:
        run = d.run
        dependency_ids = list(dict.fromkeys(e.producer_id for e in d.dependencies))
        components = [d.neighbours[i].component or d.neighbours[i].name for i in dependency_ids if i in d.neighbours]
        return cls(
            component_name=run.component or run.name,
            notes=run.notes or "",
            start_timestamp=run.start,
            end_timestamp=run.end,
            inputs=[_pointer(n, pointers.get(n)) for n in d.io.inputs],
            outputs=[_pointer(n, pointers.get(n)) for n in d.io.outputs],
            git_hash=run.git_hash,
            git_tags=run.git_tags or None,
            code_snapshot=d.code_snapshot,
            id=run.id,
            stale=[s.reason for s in d.stale],
            dependencies=list(dict.fromkeys(components)),
            trace_id=run.trace_id,
            status=run.status_code,
            status_message=run.status_message,
            duration_ms=run.duration_ms,
            dependency_ids=dependency_ids,
            stale_reasons=d.stale,
            newer_failed_attempts=newer_failed_attempts,
        )
