"""Group commit: requests that arrive while the store is busy are written together, in one transaction.

A batch of 8,192 spans costs far less than sixteen batches of 512 (one commit and one set of bulk statements
instead of sixteen; measured 1.5-2x on Postgres and SQLite), and OTLP senders (BatchSpanProcessors, Collectors)
send many small batches at once. So the first waiting request's thread becomes the writer: it takes every
request queued behind it (up to ``max_spans``), stores them with one ``write_prepared`` call, and wakes their
threads. Each request is still answered only after the transaction holding its spans committed.

Spans are validated and turned into rows on each request's own thread before they join a group (the Python half
of ingest, outside any transaction), so each answer's partial_success counts exactly its own rejected spans; a
group that fails for a reason other than a transient one is retried request by request, so one poisoned request
cannot fail the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from mltrace_otel.store.ingest import PreparedSpans, RejectedSpan, prepare_spans, write_prepared
from mltrace_otel.store.span_record import SpanRecord


@dataclass(eq=False)
class _Job:
    batch: PreparedSpans
    done: bool = False
    error: BaseException | None = None


class GroupCommitter:
    def __init__(self, engine: Engine, is_transient: Callable[[BaseException], bool], max_spans: int = 8_192) -> None:
        self.engine = engine
        self.is_transient = is_transient
        self.max_spans = max_spans
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._writing = False
        self.groups = 0  # transactions written, for tests and benchmarks

    def store(self, records: list[SpanRecord]) -> list[RejectedSpan]:
        """Store the valid records durably (raises on database errors); return the rejected ones."""
        batch = prepare_spans(records)
        if batch.rows:
            self._wait_for(_Job(batch))
        return batch.rejected

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
        try:
            write_prepared(self.engine, _merged(group))
        except BaseException as exc:
            if len(group) == 1 or self.is_transient(exc):
                self._finish(group, exc)
                return
            for job in group:  # isolate the request that made the group fail
                try:
                    write_prepared(self.engine, job.batch)
                except BaseException as single:
                    self._finish([job], single)
                else:
                    self._finish([job], None)
            return
        self.groups += 1
        self._finish(group, None)

    def _finish(self, jobs: list[_Job], error: BaseException | None) -> None:
        # Set before the writer re-takes the lock and notifies: the waiting threads read these under it.
        for job in jobs:
            job.error = error
            job.done = True


def _merged(group: list[_Job]) -> PreparedSpans:
    if len(group) == 1:
        return group[0].batch
    merged = PreparedSpans(now_ns=group[0].batch.now_ns)
    for job in group:
        merged.extend(job.batch)
    return merged
