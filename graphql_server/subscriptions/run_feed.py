"""One poller per server process, shared by every ``runAdded`` subscriber.

Polling the store (rather than Postgres LISTEN/NOTIFY) works the same on SQLite and Postgres and needs nothing
from the writers: pipelines write straight to the database, other replicas and OTLP ingest too, and none of them
would have to NOTIFY. The cost is a few indexed statements per interval per process, whatever the number of
subscribers, and a latency of up to one interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from graphql_server.database import Database
from graphql_server.subscriptions.arrival_tracker import ArrivalTracker
from mltrace_otel.queries.records import Run

log = logging.getLogger(__name__)

QUEUE_SIZE = 1_000


class SubscriberTooSlow(Exception):
    """A subscriber did not keep up; it is dropped rather than let memory grow without bound."""


class Subscriber:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Run | SubscriberTooSlow] = asyncio.Queue(maxsize=QUEUE_SIZE)

    def offer(self, run: Run) -> bool:
        try:
            self.queue.put_nowait(run)
            return True
        except asyncio.QueueFull:
            return False

    async def next(self) -> Run:
        item = await self.queue.get()
        if isinstance(item, SubscriberTooSlow):
            raise item
        return item


class RunFeed:
    def __init__(self, db: Database, interval_s: float) -> None:
        self.db = db
        self.interval_s = interval_s
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscriber]:
        """A subscriber that receives every run stored from (about) now on, while the context is open."""
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._poll_forever(self._ready))
        assert self._ready is not None
        await self._ready.wait()
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
            if not self._subscribers and self._task is not None:
                self._task.cancel()
                self._task = None

    def _publish(self, runs: list[Run]) -> None:
        for subscriber in list(self._subscribers):
            for run in runs:
                if not subscriber.offer(run):
                    self._subscribers.discard(subscriber)
                    # Make room for the notice; the subscriber's generator raises it.
                    subscriber.queue.get_nowait()
                    subscriber.queue.put_nowait(SubscriberTooSlow(f"fell more than {QUEUE_SIZE} runs behind"))
                    break

    async def _poll_forever(self, ready: asyncio.Event) -> None:
        tracker: ArrivalTracker | None = None
        while True:
            try:
                if tracker is None:
                    tracker = await self.db.read(ArrivalTracker)
                    ready.set()
                runs, more = await self.db.read(tracker.poll)
                self._publish(runs)
                if more:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: keep trying, subscribers wait
                log.exception("runAdded feed: polling the store failed; retrying in %.1fs", self.interval_s)
            await asyncio.sleep(self.interval_s)
