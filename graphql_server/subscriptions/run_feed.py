"""One poller per server process, shared by every ``runAdded`` subscriber; a subscriber behind it catches up alone.

Polling the store (rather than Postgres LISTEN/NOTIFY) works the same on SQLite and Postgres and needs nothing
from the writers: pipelines write straight to the database, other replicas and OTLP ingest too, and none of them
would have to NOTIFY. The cost is a few indexed statements per interval per process, whatever the number of
subscribers, and a latency of up to one interval.

Each subscriber has a position (an arrival number: it has been given every run numbered up to there). It starts
where the client says it stopped (``runAdded(after:)``, a resumed subscription), else where its websocket
connection was acknowledged (``GraphQLApp.on_ws_connect`` takes the mark before the acknowledgement), so a run
stored after the client knows it is connected is never missed. The poller publishes each page it reads to the
subscribers whose position it continues; a subscriber that is behind (it joined with an older position, or its
queue filled up while it was slow) reads its own pages from the store until it has caught up, then rejoins. Nobody
is dropped for being slow and memory stays bounded: at most ``QUEUE_SIZE`` runs wait per subscriber.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from graphql_server.database import Database
from graphql_server.subscriptions.arrival_pages import PAGE, Page, read_page
from mltrace_otel.queries.arrivals import latest_arrival
from mltrace_otel.queries.records import Run

log = logging.getLogger(__name__)

QUEUE_SIZE = 1_000


class Subscriber:
    def __init__(self, feed: RunFeed, position: int) -> None:
        self.feed = feed
        self.position = position
        self.queue: asyncio.Queue[tuple[int, Run]] = asyncio.Queue()
        self.ready = asyncio.Event()  # something was queued for it
        self.delivered = position  # the arrival number of the last run next() returned

    def offer(self, page: Page, before: int) -> None:
        """Queue the runs of a page read after ``before``, when that continues this subscriber's position."""
        if self.position < before:
            return  # behind: it catches up by itself (see next)
        for seq, run in page.runs:
            if seq <= self.position:
                continue
            if self.queue.qsize() >= QUEUE_SIZE:
                break  # too slow for now: from here on it reads its own pages
            self.queue.put_nowait((seq, run))
            self.position = seq
        else:
            self.position = max(self.position, page.last)
        self.ready.set()

    async def next(self) -> Run:
        """The next run; ``delivered`` becomes its arrival number (where a client resumes after it)."""
        while True:
            if not self.queue.empty():
                self.delivered, run = self.queue.get_nowait()
                return run
            if self.position < self.feed.position:
                page = await self.feed.db.read(read_page, self.position, PAGE)
                self.offer(page, self.position)
                continue
            self.ready.clear()
            await self.ready.wait()


class RunFeed:
    def __init__(self, db: Database, interval_s: float) -> None:
        self.db = db
        self.interval_s = interval_s
        self.position = 0  # the poller's: pages up to here were published
        self._subscribers: set[Subscriber] = set()
        self._task: asyncio.Task[None] | None = None

    async def mark(self) -> int:
        """The arrival position now: a subscriber starting from it receives every run stored after this call."""
        return await self.db.read(latest_arrival)

    @asynccontextmanager
    async def subscribe(self, after: int | None = None) -> AsyncIterator[Subscriber]:
        """A subscriber that receives every run stored after position ``after`` (default: now)."""
        if after is None:
            after = await self.mark()
        if self._task is None or self._task.done():
            self.position = after
            self._task = asyncio.create_task(self._poll_forever())
        subscriber = Subscriber(self, after)
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)
            if not self._subscribers and self._task is not None:
                self._task.cancel()
                self._task = None

    async def _poll_forever(self) -> None:
        while True:
            try:
                before = self.position
                page = await self.db.read(read_page, before, PAGE)
                self.position = max(self.position, page.last)
                for subscriber in list(self._subscribers):
                    subscriber.offer(page, before)
                if page.full:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: keep trying, subscribers wait
                log.exception("runAdded feed: polling the store failed; retrying in %.1fs", self.interval_s)
            await asyncio.sleep(self.interval_s)
