"""Subscription: ``runAdded`` pushes each component run as it is stored, by any process or replica."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graphql_server.context import Info
from graphql_server.monitoring import health
from graphql_server.types.ComponentRun import ComponentRun


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each component run stored from now on (optionally of one component), within a poll interval."
    )
    async def run_added(self, info: Info, component: str | None = None) -> AsyncGenerator[ComponentRun, None]:
        # From where the websocket connection was acknowledged: a run stored after that is never missed.
        with health.SUBSCRIPTIONS.track_inprogress():
            async with info.context.feed.subscribe(after=info.context.arrival_mark) as subscriber:
                while True:
                    run = await subscriber.next()
                    if component is not None and run.component != component:
                        continue
                    # The websocket's context lives as long as the connection: each event gets fresh loaders.
                    info.context.fresh_loaders()
                    yield ComponentRun.from_record(run)
