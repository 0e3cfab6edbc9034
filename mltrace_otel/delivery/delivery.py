"""One store's deliveries in this process: the caller's thread makes each ended span durable, one thread stores.

``append`` (on the thread that ended the span) writes the span to this process's spool segment and returns: a few
microseconds, never a database call. The *drainer* thread reads the spool oldest first, stores batches in one
transaction each through :func:`write_isolating`, and marks each batch done in the segment. What the store says
decides the rest (store/faults.py):

- unreachable or busy: the batch stays where it is; retry with exponential backoff and jitter, without limit
  (nothing waits in memory, so there is nothing to give up on) and log "store unreachable, spooling" once;
- refusing every write (permissions, a missing table): the same, with its own log line;
- refusing some spans: those are rejected one by one with the database's reason, the rest stored.

At start, and every few seconds while idle, the drainer adopts segments that processes now gone left behind for
the same store. ``durability="memory"`` keeps spans in a bounded in-memory queue instead (the SDK's way: faster
on the caller's thread, but a killed process loses what waits, and a full queue drops the oldest, counted).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan

from mltrace_otel import semconv
from mltrace_otel.config import database_url
from mltrace_otel.delivery.codec import (
    OBSERVATIONS_PER_FRAME,
    OBSERVATIONS_TYPE,
    decode_observations,
    encode_observations,
    encode_span,
)
from mltrace_otel.delivery.observed import ObservedBatch, observed_rows
from mltrace_otel.delivery.spool import (
    Damage,
    Segment,
    SpoolFormatError,
    SpoolWriter,
    adopt,
    record_rejections,
    segment_paths,
    spool_dir,
    store_label,
)
from mltrace_otel.delivery.status import ExportStatus, Rejection
from mltrace_otel.span_record import SpanRecord, from_readable_span
from mltrace_otel.store.faults import Diagnosis, Fault, classify
from mltrace_otel.store.ingest import IngestResult
from mltrace_otel.store.rows import PreparedSpans, RejectedSpan, prepare_spans

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from mltrace_otel.monitoring.write import ObservationsResult, Refused

log = logging.getLogger("mltrace_otel.delivery")
_T = TypeVar("_T")

BATCH = 2_048  # spans per transaction
MEMORY_QUEUE = 65_536  # durability="memory" (the SDK's BatchSpanProcessor queue we replace had this size)
BACKPRESSURE_S = 0.5  # the longest a span waits for room when neither the spool nor memory can take it
ORPHAN_SCAN_S = 2.0  # how often an idle drainer looks for segments left by processes that ended
IDLE_WAIT_S = 0.2  # the longest an ended span waits before the idle drainer looks (a flush wakes it at once)
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 5.0
SPOOL_RETRY_S = 10.0  # after the spool could not be written, try it again this long after
LOGGED_REJECTIONS = 50  # rejections logged one by one; later ones are counted in a line per batch
REASONS_KEPT = 20

_live: weakref.WeakSet[Delivery] = weakref.WeakSet()


@dataclass
class _Work:
    """One batch on its way to the store."""

    records: list[SpanRecord]
    segment: Segment | None  # None: spans from the memory queue
    start: int = 0  # segment offset of the batch's first frame
    end: int = 0  # segment offset just past the batch
    own: bool = True
    unreadable: list[RejectedSpan] = field(default_factory=list)
    batch: PreparedSpans | None = None  # the rows, prepared by the drainer while the writer stores the batch before
    seq: int = -1  # hand-over order (-1: stored on the caller's thread, in order by construction)
    observed: ObservedBatch = field(default_factory=ObservedBatch)  # outputs and feedback among the records
    attempt_began: float = 0.0  # monotonic time the latest write of it began

    @property
    def count(self) -> int:
        """Records of the batch: spans (readable or not) and records of outputs or feedback."""
        return len(self.records) + len(self.unreadable) + self.observed.records


class Delivery:
    def __init__(
        self,
        url: str | None = None,
        durability: str = "spool",
        *,
        spool_root: Path | None = None,
        memory_limit: int = MEMORY_QUEUE,
        adopt_orphans: bool = True,
        background: bool = True,
    ) -> None:
        """``background=False``: no thread ever starts (``mltrace spool drain`` drains on its own thread)."""
        self.url = database_url(url)
        self.label = store_label(self.url)
        self.durability = durability
        self.memory_limit = memory_limit
        self.adopt_orphans = adopt_orphans
        self.background = background
        self.directory: Path | None = None
        self.writer: SpoolWriter | None = None
        if durability == "spool":
            self.directory = spool_dir(self.url, spool_root)
            self.writer = SpoolWriter(self.directory)
        self._init_runtime()
        _live.add(self)

    def _init_runtime(self) -> None:
        """State of this process (a forked child starts it afresh)."""
        self._cond = threading.Condition()  # counters below; notified whenever a batch is done
        self._wake = threading.Event()  # the drainer: new spans, a flush, or close
        self._retry_now = threading.Event()  # the writer, waiting out a backoff: a flush or close
        self._idle = False
        self._thread: threading.Thread | None = None  # the drainer: reads and prepares batches, oldest first
        self._writers: list[threading.Thread] = []  # store them, each batch in its own transaction(s)
        self._handoff: queue.Queue[_Work | None] = queue.Queue(maxsize=2)
        self._gave_up = threading.Event()  # a writer stopped before the store took its batch (closing)
        self._writers_left = 0
        self._in_flight = 0  # spans handed to the writers, not done yet (under _cond)
        # Two writers may commit batches out of order. A run's staleness is judged only once every batch handed
        # over before its own is settled, so the warning never depends on which writer won (see _settle).
        self._next_seq = 0  # the drainer's only
        self._settled: dict[int, list[str]] = {}  # seq -> new runs of our API in it, batches settled early
        self._settled_up_to = 0  # every seq below it has been judged
        self._settle_lock = threading.Lock()
        # Spans, and the payloads of records of outputs or feedback (tuples; see codec.encode_observations)
        self._memory: deque[ReadableSpan | tuple[Any, ...]] = deque()
        self._memory_lock = threading.Lock()
        # Segments being drained: changed by the drainer thread only, under _segments_lock (status reads them).
        self._own: list[Segment] = []
        self._adopted: list[Segment] = []
        self._segments_lock = threading.Lock()
        self._known_bad: set[str] = set()
        self._closing = False
        self._close_deadline = 0.0
        self._stopped = False
        self._flush_waiters = 0
        self._spool_retry_at = 0.0
        self._last_scan = 0.0
        # Counters (under _cond)
        self.spool_done = 0
        self.memory_appended = 0
        self.memory_done = 0
        self.stored = 0
        self.duplicates = 0
        self.rejected_total = 0
        self.conflicts_total = 0
        self.dropped = 0
        self.adopted_done = 0
        self.outputs_stored = 0
        self.feedback_stored = 0
        self.observations_refused = 0
        self.reasons: deque[Rejection] = deque(maxlen=REASONS_KEPT)
        self._own_failures = 0  # rejected, conflicting or dropped spans of this process
        self._state = "idle"
        self._last_error: str | None = None
        self._outage_since: float | None = None
        self._logged_rejections = 0

    @property
    def spool_appended(self) -> int:
        return self.writer.records if self.writer is not None else 0

    def _backlog(self) -> int:
        return self.spool_appended - self.spool_done + self.memory_appended - self.memory_done

    # ---- the caller's thread -------------------------------------------------------------------------------

    def append(self, span: ReadableSpan) -> None:
        """Make ``span`` durable (spool) or queued (memory), and wake the drainer. Never raises, never waits for
        the store."""
        if self._stopped and self.writer is None:
            self._drop_after_stop("it ended after the store's thread stopped (durability='memory')")
            return
        try:
            if self.writer is None or not self._append_to_spool(span):
                self._append_to_memory(span)
        except Exception:  # never into the pipeline
            log.exception("mltrace-otel: could not keep span %r for the store", getattr(span, "name", "?"))
            with self._cond:
                self.dropped += 1
                self._own_failures += 1
            return
        # Otherwise the drainer finds the span within IDLE_WAIT_S by itself: waking it for every span would
        # cost the caller a thread switch per span and the store a transaction per span.
        self._kick()

    def _drop_after_stop(self, why: str) -> None:
        """A record that arrived once the memory queue's thread had stopped: counted as appended, done and lost."""
        with self._cond:
            self.memory_appended += 1
            self.memory_done += 1
            self._drop(1, why)

    def append_observations(
        self, kind: str, task: str, body: Any, output_id: Any, ts_ns: int, trace_id: int, span_id: int
    ) -> None:
        """Make a record of outputs or feedback durable (spool) or queued (memory), as :meth:`append` does a
        span: ``body`` is one value (with ``output_id``) or ``(values, output_ids)`` lists. Never raises, never
        waits for the store; the values are checked by the drainer (each refused one is reported, with why)."""
        try:
            if self._stopped and self.writer is None:
                self._drop_after_stop(
                    "outputs or feedback logged after the store's thread stopped (durability='memory')"
                )
                return
            spooled = False
            if self.writer is not None:
                frames = encode_observations(kind, task, body, output_id, ts_ns, trace_id, span_id)
                spooled = self._write_spool(frames, len(frames))
            if not spooled:
                for payload in _memory_payloads(kind, task, body, output_id, ts_ns, trace_id, span_id):
                    self._append_to_memory(payload)
        except Exception:  # never into the pipeline
            log.exception("mltrace-otel: could not keep %s of task %r for the store", kind, task)
            with self._cond:
                self._drop(1, f"a record of {kind} of task {task!r} could not be kept (see the log)")
            return
        self._kick()

    def _kick(self) -> None:
        if self._thread is None and not self._stopped:
            self._start()
        elif self._idle and self._backlog() >= BATCH:
            self._wake.set()

    def _append_to_spool(self, span: ReadableSpan) -> bool:
        writer = self.writer
        assert writer is not None
        if self._spool_retry_at and time.monotonic() < self._spool_retry_at:
            return False
        with writer.lock:
            try:
                frames: list[bytes] = []
                if writer.segment is not None:
                    encode_span(span, writer.defs, frames)
                size = sum(map(len, frames)) if len(frames) > 1 else len(frames[0]) if frames else 0
                if not frames or not writer.fits(size):
                    writer.open_segment(size + 4_096)  # definitions start again in a new segment
                    frames = []
                    encode_span(span, writer.defs, frames)
                writer.write(frames)
                writer.records += 1  # this process's spooled spans: read without the lock (an int is atomic)
            except OSError as exc:
                self._spool_failed(writer, exc)
                return False
            except Exception:
                writer.seal()  # its definitions may now name frames that were never written
                raise
        if self._spool_retry_at:
            self._spool_retry_at = 0.0
            log.warning("mltrace-otel: the spool in %s can be written again", self.directory)
        return True

    def _write_spool(self, frames: list[bytes | bytearray], records: int) -> bool:
        """Append self-contained frames (no definitions), ``records`` records in all, to the spool."""
        writer = self.writer
        assert writer is not None
        if self._spool_retry_at and time.monotonic() < self._spool_retry_at:
            return False
        size = sum(map(len, frames))
        with writer.lock:
            try:
                if not writer.fits(size):
                    writer.open_segment(size + 4_096)
                writer.write(frames)
                writer.records += records
            except OSError as exc:
                self._spool_failed(writer, exc)
                return False
        if self._spool_retry_at:
            self._spool_retry_at = 0.0
            log.warning("mltrace-otel: the spool in %s can be written again", self.directory)
        return True

    def _spool_failed(self, writer: SpoolWriter, exc: OSError) -> None:
        """The spool cannot be written (a full disk, a removed directory): records go to memory for a while.
        Called with ``writer.lock`` held."""
        writer.seal()
        self._spool_retry_at = time.monotonic() + SPOOL_RETRY_S
        log.error(
            "mltrace-otel: cannot write the spool in %s (%s); holding spans in memory until it can be "
            "written again (a process killed meanwhile loses them)",
            self.directory, exc,
        )  # fmt: skip

    def _append_to_memory(self, span: ReadableSpan | tuple[Any, ...]) -> None:
        full = False
        with self._memory_lock:
            if len(self._memory) >= self.memory_limit and self.writer is not None and not self._stopped:
                full = True
        if full:
            # Neither the spool nor memory can take it: the last resort, waiting (bounded) for the drainer.
            deadline = time.monotonic() + BACKPRESSURE_S
            self._wake.set()
            while time.monotonic() < deadline and len(self._memory) >= self.memory_limit:
                time.sleep(0.005)
        with self._memory_lock:
            lost = None
            if len(self._memory) >= self.memory_limit:
                lost = self._memory.popleft()
            self._memory.append(span)
        with self._cond:
            self.memory_appended += 1
            if lost is not None:
                self.memory_done += 1
                self._drop(1, "the in-memory queue was full")

    # ---- flush, close, status (any thread) -------------------------------------------------------------------

    def flush(self, timeout_s: float) -> bool:
        """Wait until every span appended before the call is stored; False on timeout or if any of this
        process's spans were rejected, conflicted or dropped (see :meth:`status`)."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        with self._cond:
            spool_target, memory_target = self.spool_appended, self.memory_appended
            if self.spool_done >= spool_target and self.memory_done >= memory_target:
                return self._own_failures == 0
            self._flush_waiters += 1
        try:
            if self._thread is None and not self._stopped:
                self._start()
            self._wake.set()
            self._retry_now.set()  # cuts a backoff short: a flush means "try now"
            with self._cond:
                while self.spool_done < spool_target or self.memory_done < memory_target:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._stopped:
                        return False
                    self._cond.wait(remaining)
                return self._own_failures == 0
        finally:
            with self._cond:
                self._flush_waiters -= 1

    def close(self, timeout_s: float) -> None:
        """Store what this process holds (its own spans and adopted segments) for at most ``timeout_s``, then stop.
        What is left stays in the spool for the next process (durability="memory": it is lost, and counted)."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._close_deadline = time.monotonic() + max(0.0, timeout_s)
        if self.writer is not None:
            with self.writer.lock:  # sealed first: a segment drained to its end can then be deleted
                self.writer.seal()
        self._wake.set()
        self._retry_now.set()
        threads = [t for t in (self._thread, *self._writers) if t is not None]
        for thread in threads:
            thread.join(max(0.0, self._close_deadline - time.monotonic()) + 0.05)
        busy = any(t.is_alive() for t in threads)
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self.writer is not None:
            with self.writer.lock:  # spans that ended while closing went to a segment of their own
                self.writer.seal()
        self._report_leftovers(busy)

    def drain_orphans(self, timeout_s: float) -> bool:
        """Store, on this thread, every segment that processes now gone left for this store (``mltrace spool
        drain``); True when all of them were stored, False when the store did not take them in time (they stay).
        Only for a delivery whose own drainer was never started."""
        assert self._thread is None, "drain_orphans runs instead of the drainer threads, not beside them"
        with self._cond:
            self._closing = True  # _deliver gives up at the deadline instead of retrying for ever
            self._close_deadline = time.monotonic() + max(0.0, timeout_s)
        token = otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            self._scan_orphans()
            while True:
                work = self._from_segments(self._adopted)
                if work is None:
                    return not self._adopted
                if not self._deliver(work):
                    return False
        finally:
            self._release()
            otel_context.detach(token)
            with self._cond:
                self._stopped = True

    def _report_leftovers(self, drainer_busy: bool) -> None:
        with self._cond:
            waiting = self.spool_appended - self.spool_done
            in_memory = self.memory_appended - self.memory_done
        if self.writer is not None and waiting + in_memory:
            log.warning(
                "mltrace-otel: %d spans were not stored before exit (%s); they wait in the spool %s for the next "
                "process using this store, or `mltrace spool drain`",
                waiting + in_memory, self._last_error or "the store did not take them in time", self.directory,
            )  # fmt: skip
            if in_memory:
                with self._cond:
                    self._drop(in_memory, "held in memory (the spool could not be written) at exit")
        elif in_memory:
            with self._cond:
                self._drop(in_memory, f"not stored before exit ({self._last_error or 'the store was too slow'})")
            log.error(
                "mltrace-otel: %d spans were lost at exit: durability='memory' keeps unsent spans in memory only",
                in_memory,
            )
        if drainer_busy:
            log.warning("mltrace-otel: the store did not answer in time; exiting without waiting for it")

    def store_failing(self) -> bool:
        """The store's last answer was a failure (it is unreachable or refuses writes)."""
        return self._outage_since is not None

    def status(self) -> ExportStatus:
        oldest = self._oldest_unsent_ns()
        with self._cond:
            waiting = (self.spool_appended - self.spool_done) + (self.memory_appended - self.memory_done)
            state = "stopped" if self._stopped else self._state
            return ExportStatus(
                durability=self.durability,
                store=self.label,
                state=state,
                stored=self.stored,
                duplicates=self.duplicates,
                spooled=waiting,
                rejected=self.rejected_total,
                conflicts=self.conflicts_total,
                dropped=self.dropped,
                adopted=self.adopted_done,
                outputs_stored=self.outputs_stored,
                feedback_stored=self.feedback_stored,
                observations_refused=self.observations_refused,
                oldest_unsent_age_s=max(0.0, (time.time_ns() - oldest) / 1e9) if oldest else None,
                last_error=self._last_error,
                reasons=tuple(self.reasons),
                spool_dir=str(self.directory) if self.directory else None,
            )

    def _oldest_unsent_ns(self) -> int | None:
        found: list[int] = []
        with self._memory_lock:
            if self._memory:
                first = self._memory[0]
                found.append((first[4] if isinstance(first, tuple) else first.end_time) or 0)
        with self._segments_lock:
            for segment in [*self._own, *self._adopted]:
                with contextlib.suppress(OSError, ValueError, EOFError):
                    if segment.drained < segment.size():
                        end = segment.oldest_end_ns()
                        if end:
                            found.append(end)
                            break
        if not found and self.writer is not None:
            with self.writer.lock:
                fresh = list(self.writer.new_segments)
            for segment in fresh:
                with contextlib.suppress(OSError, ValueError, EOFError):
                    end = segment.oldest_end_ns()
                    if end:
                        found.append(end)
                        break
        return min(found) if found else None

    def _drop(self, count: int, why: str) -> None:
        """Count spans lost without being stored (caller holds _cond)."""
        self.dropped += count
        self._own_failures += count
        self.reasons.append(Rejection("", "", f"{count} spans dropped: {why}"))
        self._cond.notify_all()

    # ---- the drainer thread ---------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._cond:
            if self._thread is not None or self._stopped or not self.background:
                return
            self._thread = threading.Thread(target=self._run, name="mltrace-otel-spool", daemon=True)
            # Postgres runs transactions side by side in its own processes: two writers keep it busy while this
            # process prepares rows (measured ~1.5x on the old exporter). SQLite takes one writer at a time.
            count = 2 if self.url.startswith("postgresql") else 1
            self._writers = [
                threading.Thread(target=self._write, name=f"mltrace-otel-store-{i}", daemon=True) for i in range(count)
            ]
            self._writers_left = count
        for thread in [*self._writers, self._thread]:
            thread.start()

    def start(self) -> None:
        """Start the drainer now (it adopts what earlier processes left for this store) rather than on the
        first span."""
        self._start()

    def _run(self) -> None:
        """The drainer thread: reads batches oldest first and prepares their rows (the Python half of ingest)
        while the writers store the batches before."""
        token = otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            self._drain()
        except Exception:
            log.exception("mltrace-otel: the spool thread failed; spans stay in the spool for the next process")
        finally:
            for _ in self._writers:  # one end-of-work marker per writer
                while True:
                    try:
                        self._handoff.put(None, timeout=0.1)
                        break
                    except queue.Full:
                        if not any(w.is_alive() for w in self._writers):
                            break
            otel_context.detach(token)

    def _drain(self) -> None:
        self._scan_orphans()
        while True:
            work = self._next_work()
            if work is None:
                if self._gave_up.is_set():
                    return
                if self._closing:
                    with self._cond:
                        in_flight = self._in_flight
                    # Spans may have ended (a segment appeared) while that pass began: only stop once nothing of
                    # ours is left to read, or the time is up.
                    if not in_flight and (not self._has_pending() or time.monotonic() >= self._close_deadline):
                        return
                self._idle = True
                # Spans counted but not readable yet are being written right now: look again very soon.
                self._wake.wait(0.01 if self._has_pending() else IDLE_WAIT_S)
                self._idle = False
                self._wake.clear()
                if time.monotonic() - self._last_scan >= ORPHAN_SCAN_S:
                    self._scan_orphans()
                continue
            work.batch = prepare_spans(work.records)
            if not self._hand_over(work):
                return

    def _hand_over(self, work: _Work) -> bool:
        with self._cond:
            self._in_flight += work.count
        work.seq = self._next_seq
        self._next_seq += 1
        while True:
            try:
                self._handoff.put(work, timeout=0.1)
                return True
            except queue.Full:
                if self._gave_up.is_set():
                    self._in_flight_done(work)
                    self._settle(work.seq, [])
                    return False

    def _write(self) -> None:
        """A writer thread: stores the batches handed over. The last writer to stop releases every segment (only
        then: a mark must never be written to a descriptor that was closed and reused)."""
        token = otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            while True:
                work = self._handoff.get()
                if work is None:
                    return
                if self._gave_up.is_set():  # closing and the store is away: leave the rest in the spool
                    self._in_flight_done(work)
                    self._settle(work.seq, [])
                    continue
                if not self._deliver(work):
                    self._gave_up.set()
        except Exception:
            log.exception("mltrace-otel: the store thread failed; spans stay in the spool for the next process")
            self._gave_up.set()
        finally:
            with self._cond:
                self._writers_left -= 1
                last = self._writers_left == 0
            if last:
                if self._thread is not None:
                    self._thread.join()
                self._release()
                with self._cond:
                    self._stopped = True
                    self._cond.notify_all()
            otel_context.detach(token)

    def _has_pending(self) -> bool:
        """Spans of this process that are neither stored nor on their way to the store."""
        with self._cond:
            return self._backlog() > self._in_flight

    def _scan_orphans(self) -> None:
        self._last_scan = time.monotonic()
        if self.directory is None or not self.adopt_orphans:
            return
        held = {s.path for s in [*self._own, *self._adopted]}
        if self.writer is not None:
            with self.writer.lock:
                held.update(s.path for s in self.writer.new_segments)
        for path in segment_paths(self.directory):
            if path in held or path.name in self._known_bad:
                continue
            try:
                segment = adopt(path)
            except (SpoolFormatError, OSError) as exc:
                self._known_bad.add(path.name)
                log.error("mltrace-otel: cannot read spool file %s: %s", path, exc)
                continue
            if segment is not None:
                with self._segments_lock:
                    self._adopted.append(segment)
        with self._segments_lock:
            self._adopted.sort(key=lambda s: s.name)

    def _next_work(self) -> _Work | None:
        if self.writer is not None:
            with self.writer.lock, self._segments_lock:
                self._own.extend(self.writer.new_segments)
                self.writer.new_segments.clear()
        sources: list[Callable[[], _Work | None]] = [self._from_segments_own, self._from_memory]
        if not (self._flush_waiters or self._closing):  # oldest first, unless a flush or exit waits for our own
            sources.insert(0, self._from_segments_adopted)
        else:
            sources.append(self._from_segments_adopted)
        for source in sources:
            work = source()
            if work is not None:
                return work
        return None

    def _from_segments_own(self) -> _Work | None:
        return self._from_segments(self._own)

    def _from_segments_adopted(self) -> _Work | None:
        if self._closing and time.monotonic() > self._close_deadline:
            return None
        return self._from_segments(self._adopted)

    def _from_segments(self, segments: list[Segment]) -> _Work | None:
        while segments:
            segment = segments[0]
            bodies, end, damage = segment.take(BATCH)
            if damage is not None:
                self._report_damage(damage)
            if bodies:
                records: list[SpanRecord] = []
                unreadable: list[RejectedSpan] = []
                observed = ObservedBatch()
                for body in bodies:
                    try:
                        if body[0] == OBSERVATIONS_TYPE:
                            observed_rows(decode_observations(body), observed)
                        else:
                            records.append(segment.decoder.span(body))
                    except Exception as exc:  # a record this version cannot read back
                        unreadable.append(RejectedSpan("", f"its spool record could not be read back ({exc})"))
                start = segment.taken
                segment.taken_up_to(end, len(bodies))
                return _Work(
                    records, segment, start=start, end=end, own=segment.own, unreadable=unreadable, observed=observed
                )
            if segment.taken > segment.drained:
                return None  # its last batch is being stored: the writer marks it, then it can go
            if damage is not None and end > segment.drained:
                segment.mark(end, segment.drained_records)
            if not segment.finished() and not segment.sealed:
                return None  # the segment being written: nothing new yet
            with self._segments_lock:
                segments.pop(0)
                # Finished: deleted. Sealed with something unreadable left: kept, for whoever looks into it.
                segment.close(delete=segment.finished())
        return None

    def _from_memory(self) -> _Work | None:
        with self._memory_lock:
            if not self._memory:
                return None
            spans = [self._memory.popleft() for _ in range(min(BATCH, len(self._memory)))]  # and outputs
        records: list[SpanRecord] = []
        unreadable: list[RejectedSpan] = []
        observed = ObservedBatch()
        for span in spans:
            try:
                if isinstance(span, tuple):
                    observed_rows(span, observed)
                else:
                    records.append(from_readable_span(span))
            except Exception as exc:
                unreadable.append(RejectedSpan("", f"span {getattr(span, 'name', '?')!r} could not be read ({exc})"))
        return _Work(records, None, own=True, unreadable=unreadable, observed=observed)

    def _report_damage(self, damage: Damage) -> None:
        message = (
            f"spool segment {damage.segment}: {damage.size} bytes at offset {damage.offset} unreadable "
            f"({damage.reason})"
        )
        log.error("mltrace-otel: %s", message)
        with self._cond:
            self.reasons.append(Rejection("", "", message))

    def _deliver(self, work: _Work) -> bool:
        """Store one batch, retrying while the store is away. False when told to stop before it could."""
        from mltrace_otel.monitoring.write import ObservationsResult, store_isolating
        from mltrace_otel.store.isolation import write_isolating

        batch = work.batch if work.batch is not None else prepare_spans(work.records)
        result = IngestResult()
        if work.records or work.unreadable or not work.observed.records:
            stored = self._until_stored(work, lambda engine: write_isolating(engine, batch))
            if stored is None:
                return False
            result = stored
        observed = ObservationsResult()
        if work.observed.rows:
            # Spans first: a give-up below leaves them stored and the batch in the spool, where the next try finds
            # them stored already (duplicates).
            rows = work.observed.rows
            done = self._until_stored(work, lambda engine: store_isolating(engine, rows))
            if done is None:
                return False
            observed = done
        # Before the flush that waits for them returns, as mltrace warned when it committed a run.
        self._settle(work.seq, self._new_runs_of_ours(work, result))
        self._done(work, batch, result, observed)
        return True

    def _until_stored(self, work: _Work, write: Callable[[Engine], _T]) -> _T | None:
        """``write(engine)``, retried with backoff while the store is away; None when told to stop first."""
        from mltrace_otel.store.engine import get_engine

        attempt = 0
        while True:
            work.attempt_began = time.monotonic()
            try:
                return write(get_engine(self.url))
            except Exception as exc:
                self._failed(classify(exc), work)
            if self._closing and time.monotonic() >= self._close_deadline:
                # It stays in the spool, from its mark (_release rewinds what was taken); a memory batch is simply
                # not done: close() counts it as lost.
                self._in_flight_done(work)
                self._settle(work.seq, [])
                return None
            delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt)
            delay = delay / 2 + random.uniform(0, delay / 2)  # jitter: processes that lost the store together
            if self._closing:
                delay = min(delay, max(0.0, self._close_deadline - time.monotonic()))
            attempt += 1
            self._retry_now.wait(delay)
            self._retry_now.clear()

    @staticmethod
    def _new_runs_of_ours(work: _Work, result: IngestResult) -> list[str]:
        """mltrace 0.17 warned about a run that is stale when stored: runs of our own API only (see exporter)."""
        new = set(result.new_span_ids)
        if not work.own or not new:
            return []
        return [r.span_id for r in work.records if r.span_id in new and r.scope.get("name") == semconv.SCOPE]

    def _settle(self, seq: int, run_ids: list[str]) -> None:
        """Warn about the stale runs of every batch whose predecessors are all settled, in hand-over order.
        Called before the batch counts as done, so a flush returns after the warnings of what it waited for."""
        from mltrace_otel.exporter import warn_stale
        from mltrace_otel.store.engine import get_engine

        if seq < 0:
            ready = run_ids
        else:
            with self._settle_lock:
                self._settled[seq] = run_ids
                ready = []
                while self._settled_up_to in self._settled:
                    ready.extend(self._settled.pop(self._settled_up_to))
                    self._settled_up_to += 1
        if ready:
            try:
                warn_stale(get_engine(self.url), ready)
            except Exception as exc:  # a warning is never worth a lost batch
                log.debug("mltrace-otel: staleness of new runs not checked (%s: %s)", type(exc).__name__, exc)

    def _failed(self, diagnosis: Diagnosis, work: _Work) -> None:
        with self._cond:
            first = self._outage_since is None
            if first:
                self._outage_since = time.monotonic()
            self._last_error = diagnosis.reason
            if diagnosis.fault is Fault.UNAVAILABLE:
                where = "spooling" if self.writer is not None else "holding spans in memory"
                self._state = f"store unreachable, {where}"
            else:
                self._state = "store refuses writes"
            waiting = (self.spool_appended - self.spool_done) + (self.memory_appended - self.memory_done)
        if not first:
            return
        where = f"in the spool {self.directory}" if self.writer is not None else "in memory (durability='memory')"
        count = max(waiting, work.count)
        if diagnosis.fault is Fault.UNAVAILABLE:
            log.warning(
                "mltrace-otel: store unreachable, %s (%s). %d spans wait %s and are stored when it is back; retrying "
                "with backoff. If it never comes back, check MLTRACE_DATABASE_URL.",
                "spooling" if self.writer is not None else "holding spans in memory", diagnosis.reason, count, where,
            )  # fmt: skip
        else:
            log.error(
                "mltrace-otel: the store refuses writes (%s). No span is at fault, so none is rejected: %d spans wait "
                "%s until the store is fixed.",
                diagnosis.reason, count, where,
            )  # fmt: skip

    def _in_flight_done(self, work: _Work) -> None:
        with self._cond:
            self._in_flight = max(0, self._in_flight - work.count)

    def _done(self, work: _Work, batch: PreparedSpans, result: IngestResult, observed: ObservationsResult) -> None:
        self._in_flight_done(work)
        if work.segment is not None:
            with self._segments_lock:  # batches may complete out of order: the mark moves over contiguous ones
                work.segment.complete(work.start, work.end, work.count)
        rejected = [*work.unreadable, *result.rejected]
        refused = [*work.observed.refused, *observed.refused]
        handled = work.count
        names = {r.span_id: r.name for r in work.records} if rejected or result.conflicts else {}
        # Said (logged, written to rejected.jsonl) before a flush waiting for them returns.
        if refused:
            self._report_refused(refused)
        if rejected or result.conflicts:
            self._report_rejections(work, rejected, result.conflicts)
        with self._cond:
            # Reasons first, with the counts: whoever a flush wakes reads both together.
            for item in (*rejected, *result.conflicts):
                self.reasons.append(Rejection(item.span_id, names.get(item.span_id, ""), item.reason))
            for value in refused:
                self.reasons.append(Rejection("", f"{value.kind} of task {value.task!r}", value.reason))
            self.outputs_stored += observed.outputs
            self.feedback_stored += observed.feedback
            self.observations_refused += len(refused)
            # Only a write that began after the outage did proves the store is back: with two writers, a batch
            # begun before it can still commit while the server shuts down.
            since = self._outage_since
            if since is not None and work.attempt_began >= since:
                log.warning(
                    "mltrace-otel: store reachable again after %.0f s; storing the spans that waited",
                    time.monotonic() - since,
                )
                self._outage_since = None
            if self._outage_since is None:
                self._last_error = None
            self.stored += result.stored
            self.duplicates += result.duplicates
            self.rejected_total += len(rejected)
            self.conflicts_total += len(result.conflicts)
            if work.own:
                if work.segment is not None:
                    self.spool_done += handled
                else:
                    self.memory_done += handled
                self._own_failures += len(rejected) + len(result.conflicts) + len(refused)
            else:
                self.adopted_done += handled
            if self._outage_since is None:
                self._state = "storing" if self._has_more_locked() else "idle"
            self._cond.notify_all()
        if self._closing or self._flush_waiters:
            self._wake.set()  # the drainer may be waiting for this batch before the next segment

    def _report_refused(self, refused: list[Refused]) -> None:
        """Values of outputs or feedback the store will never hold: logged (the first ones) and kept with their
        reasons in the spool's ``rejected.jsonl``, as rejected spans are."""
        unlogged = 0
        for value in refused:
            if self._logged_rejections < LOGGED_REJECTIONS:
                self._logged_rejections += 1
                log.warning("mltrace-otel: %s not stored: %s", value.kind, value.reason)
            else:
                unlogged += 1
        if unlogged:
            log.warning(
                "mltrace-otel: %d more outputs or feedback refused (mltrace_otel.export_status() and `mltrace spool "
                "status` give the reasons)", unlogged,
            )  # fmt: skip
        if self.directory is not None:
            entries = [
                {"time_ns": time.time_ns(), "kind": f"{v.kind} refused", "span_id": "",
                 "name": f"{v.kind} of task {v.task!r}", "task": v.task, "output_id": v.output_id, "reason": v.reason}
                for v in refused
            ]  # fmt: skip
            with contextlib.suppress(OSError):
                record_rejections(self.directory, entries)

    def _has_more_locked(self) -> bool:
        return self.spool_done < self.spool_appended or self.memory_done < self.memory_appended

    def _report_rejections(self, work: _Work, rejected: list[RejectedSpan], conflicts: list[RejectedSpan]) -> None:
        by_id = {r.span_id: r for r in work.records}
        entries: list[dict[str, Any]] = []
        unlogged = 0
        for kind, items in (("rejected", rejected), ("conflict", conflicts)):
            for item in items:
                record = by_id.get(item.span_id)
                name = record.name if record is not None else ""
                if self._logged_rejections < LOGGED_REJECTIONS:
                    self._logged_rejections += 1
                    log.warning(
                        "mltrace-otel: span %s (%r) %s because %s",
                        item.span_id or "?", name, "rejected" if kind == "rejected" else "not stored", item.reason,
                    )  # fmt: skip
                else:
                    unlogged += 1
                entries.append(_rejection_entry(kind, item, record))
        if unlogged:
            log.warning(
                "mltrace-otel: %d more spans rejected (mltrace_otel.export_status() and `mltrace spool status` "
                "give the reasons)", unlogged,
            )  # fmt: skip
        if self.directory is not None:
            with contextlib.suppress(OSError):
                record_rejections(self.directory, entries)

    def _release(self) -> None:
        """Close every segment this thread holds: finished ones are deleted, the rest left for the next process."""
        with self._segments_lock:
            for segment in [*self._own, *self._adopted]:
                segment.untake()
                with contextlib.suppress(OSError):
                    segment.close(delete=segment.finished())
            self._own, self._adopted = [], []

    # ---- fork --------------------------------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        if self.writer is not None:
            self.writer.forget_after_fork()
        for segment in [*self._own, *self._adopted]:
            with contextlib.suppress(OSError):
                os.close(segment.fd)  # the parent's lock stays the parent's
            segment.closed = True
        self._init_runtime()


def _rejection_entry(kind: str, item: RejectedSpan, record: SpanRecord | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"time_ns": time.time_ns(), "kind": kind, "span_id": item.span_id, "reason": item.reason}
    if record is not None:
        entry.update(
            trace_id=record.trace_id,
            name=record.name,
            start_ns=record.start_ns,
            end_ns=record.end_ns,
            status=record.status_code,
            attributes=record.attributes,
            resource=record.resource,
        )
    return entry


def _memory_payloads(
    kind: str, task: str, body: Any, output_id: Any, ts_ns: int, trace_id: int, span_id: int
) -> list[tuple[Any, ...]]:
    """A record of outputs or feedback as memory-queue items: one per OBSERVATIONS_PER_FRAME values, as in the
    spool, so a memory batch stays a bounded transaction too."""
    if output_id is not None or type(body) is not tuple:
        return [(kind, task, body, output_id, ts_ns, trace_id, span_id)]
    values, ids = body
    step = OBSERVATIONS_PER_FRAME
    return [
        (kind, task, (values[i : i + step], ids[i : i + step]), None, ts_ns, trace_id, span_id)
        for i in range(0, max(1, len(values)), step)
    ]


def _after_fork() -> None:
    for delivery in list(_live):
        delivery._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork)
