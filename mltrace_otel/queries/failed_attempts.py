"""Failed attempts to rewrite a run's outputs: failed runs do not produce, but they are shown as such.

A failed run keeps the outputs it was to write (``run_io``), yet the latest *successful* producer stays the
producer (store/edges.py). What a reader still needs to know is that a newer attempt failed: for each run, the
failed runs that wrote one of its outputs after it (a later end; ties by span id) and before the next successful
run of that pointer. Failures after a successful rewrite belong to that newer producer, not to this run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text

from mltrace_otel.queries.records import ns_to_datetime
from mltrace_otel.queries.runs import chunks

# Seeks ix_run_io_out_failed_end: (pointer, failed) then a range over end_ns, for the attempts and for the
# successful rewrite that would end their run.
_SQL = text(
    """
SELECT p.span_id, f.span_id, f.pointer, f.component, f.start_ns, f.end_ns
FROM run_io p
JOIN run_io f ON f.pointer = p.pointer AND f.direction = 'out' AND f.failed = true AND f.end_ns >= p.end_ns
    AND (f.end_ns > p.end_ns OR f.span_id > p.span_id)
WHERE p.span_id IN :ids AND p.direction = 'out'
    AND (
        SELECT s.span_id FROM run_io s
        WHERE s.pointer = p.pointer AND s.direction = 'out' AND s.failed = false
            AND s.end_ns > p.end_ns AND s.end_ns < f.end_ns
        LIMIT 1
    ) IS NULL
ORDER BY p.span_id, f.end_ns DESC, f.span_id DESC, f.pointer
"""
).bindparams(bindparam("ids", expanding=True))


@dataclass(frozen=True, slots=True)
class FailedAttempt:
    """A failed run that meant to rewrite some of another run's outputs."""

    run_id: str
    component: str
    start_ns: int
    end_ns: int
    pointers: list[str] = field(default_factory=list)  # the outputs it failed to rewrite

    @property
    def reason(self) -> str:
        return (
            f"a newer attempt failed: {self.component} run {self.run_id} was to write {', '.join(self.pointers)} "
            f"and failed, ending {ns_to_datetime(self.end_ns):%Y-%m-%d %H:%M:%S} UTC"
        )


def newer_failed_attempts(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[FailedAttempt]]:
    """For each run, the failed attempts at its outputs since it ran, newest first; every id gets an entry."""
    result: dict[str, list[FailedAttempt]] = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        found: dict[tuple[str, str], FailedAttempt] = {}
        for run_id, attempt_id, pointer, component, start_ns, end_ns in conn.execute(_SQL, {"ids": part}):
            attempt = found.get((run_id, attempt_id))
            if attempt is None:
                attempt = found[(run_id, attempt_id)] = FailedAttempt(attempt_id, component, start_ns, end_ns)
                result[run_id].append(attempt)
            attempt.pointers.append(pointer)
    return result
