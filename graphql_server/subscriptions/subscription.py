"""Subscription: ``runAdded`` pushes each component run as it is stored, by any process or replica."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from graphql_server.context import Info
from graphql_server.monitoring import health
from graphql_server.types.ComponentRun import ComponentRun
from mltrace_otel.queries.cursors import decode_arrival_cursor, encode_arrival_cursor


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each component run stored from now on (optionally of one component), within a poll interval. "
        "Each event carries arrivalCursor: subscribe again with after: that cursor (after a reconnect, on any "
        "replica) to receive every run stored since, once."
    )
    async def run_added(
        self,
        info: Info,
        component: str | None = None,
        after: Annotated[
            str | None, strawberry.argument(description="Resume after this arrivalCursor of an earlier runAdded event.")
        ] = None,
    ) -> AsyncGenerator[ComponentRun, None]:
        # From where the client stopped, else from where the websocket connection was acknowledged: a run stored
        # after that is never missed.
        start = info.context.arrival_mark if after is None else decode_arrival_cursor(after)
        with health.SUBSCRIPTIONS.track_inprogress():
            async with info.context.feed.subscribe(after=start) as subscriber:
                while True:
                    run = await subscriber.next()
                    if component is not None and run.component != component:
                        continue
                    # The websocket's context lives as long as the connection: each event gets fresh loaders.
                    info.context.fresh_loaders()
                    event = ComponentRun.from_record(run)
                    event.arrival_cursor = encode_arrival_cursor(subscriber.delivered)
                    yield event
