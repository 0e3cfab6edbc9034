"""Group commit: requests that arrive while the store is busy are written together, in one transaction.

A batch of 8,192 spans costs far less than sixteen batches of 512 (one commit and one set of bulk statements
instead of sixteen; figures in docs/design.md §9), and OTLP senders (BatchSpanProcessors, Collectors)
send many small batches at once. So the first waiting request's thread becomes the writer: it takes every
request queued behind it (up to ``max_spans``), stores them with one ``write_prepared`` call, and wakes their
threads. Each request is still answered only after the transaction holding its spans committed.

Spans are validated and turned into rows on each request's own thread before they join a group (the Python half
of ingest, outside any transaction), so each answer's partial_success counts exactly its own rejected spans. A
group the database refuses because of some span is written again request by request, each split until the spans
at fault are alone (store/isolation.py): those are rejected with the database's reason, every other span of every
request is stored. Requests that re-deliver the same spans are written one by one, so a conflict (a span id
stored with other content) is reported to the request that sent it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.faults import Fault, classify
from mltrace_otel.store.ingest import IngestResult, PreparedSpans, prepare_spans, write_prepared
from mltrace_otel.store.isolation import write_isolating


@dataclass(eq=False)
class _Job:
    batch: PreparedSpans
    done: bool = False
    error: BaseException | None = None
    result: IngestResult | None = None


class GroupCommitter:
    def __init__(self, engine: Engine, max_spans: int = 8_192) -> None:
        self.engine = engine
        self.max_spans = max_spans
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._writing = False
        self.groups = 0  # transactions written, for tests and benchmarks

    def store(self, records: list[SpanRecord]) -> IngestResult:
        """Store the valid records durably and say what became of each: rejected (by validation or by the
        database, with reasons) and conflicting spans are in the result. Raises when the store itself failed."""
        batch = prepare_spans(records)
        job = _Job(batch)
        if batch.rows:
            self._wait_for(job)
        if job.result is not None:
            return job.result
        return IngestResult(
            received=batch.received, duplicates=batch.duplicates, rejected=batch.rejected, conflicts=batch.conflicts
        )

    def _wait_for(self, job: _Job) -> None:
        with self._cond:
            self._queue.append(job)
            while not job.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                group = self._take()
                self._cond.release()
                try:
                    self._write(group)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if job.error is not None:
            raise job.error

    def _take(self) -> list[_Job]:
        """The oldest queued requests, up to ``max_spans`` spans (at least one request, whatever its size)."""
        size = 0
        count = 0
        for job in self._queue:
            if count and size + len(job.batch.rows) > self.max_spans:
                break
            size += len(job.batch.rows)
            count += 1
        group, self._queue = self._queue[:count], self._queue[count:]
        return group

    def _write(self, group: list[_Job]) -> None:
        if len(group) == 1 or _overlapping(group):
            # One request, or requests re-delivering the same spans: each its own transaction(s), so what the
            # store says about a span (duplicate, conflict) is told to the request that sent it.
            for job in group:
                self._write_alone(job)
            return
        merged = _merged(group)
        try:
            result = write_prepared(self.engine, merged)
        except BaseException as exc:
            if not isinstance(exc, Exception) or classify(exc).fault is not Fault.SPAN:
                self._finish(group, exc)
                return
            for job in group:  # isolate the request, then the spans, that made the group fail
                self._write_alone(job)
            return
        self.groups += 1
        new_ids = set(result.new_span_ids)
        # write_prepared lists the batch's own conflicts first, then those with spans already in the store.
        stored_conflicts = {c.span_id: c for c in result.conflicts[len(merged.conflicts) :]}
        for job in group:
            rows = job.batch.rows
            stored = [span_id for span_id in rows if span_id in new_ids]
            conflicts = [stored_conflicts[span_id] for span_id in rows if span_id in stored_conflicts]
            job.result = IngestResult(
                received=job.batch.received,
                stored=len(stored),
                duplicates=job.batch.duplicates + len(rows) - len(stored) - len(conflicts),
                rejected=list(job.batch.rejected),
                conflicts=[*job.batch.conflicts, *conflicts],
                new_span_ids=stored,
            )
        self._finish(group, None)

    def _write_alone(self, job: _Job) -> None:
        try:
            job.result = write_isolating(self.engine, job.batch)
        except BaseException as exc:
            self._finish([job], exc)
            return
        self.groups += 1
        self._finish([job], None)

    def _finish(self, jobs: list[_Job], error: BaseException | None) -> None:
        # Set before the writer re-takes the lock and notifies: the waiting threads read these under it.
        for job in jobs:
            job.error = error
            job.done = True


def _overlapping(group: list[_Job]) -> bool:
    seen: set[str] = set()
    for job in group:
        if not seen.isdisjoint(job.batch.rows):
            return True
        seen.update(job.batch.rows)
    return False


def _merged(group: list[_Job]) -> PreparedSpans:
    merged = PreparedSpans(now_ns=group[0].batch.now_ns)
    for job in group:
        merged.extend(job.batch)
    return merged
