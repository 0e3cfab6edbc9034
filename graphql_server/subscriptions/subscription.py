"""Subscription: ``runAdded`` pushes each component run as it is stored, by any process or replica."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError

from graphql_server.context import Info
from graphql_server.subscriptions.run_feed import SubscriberTooSlow
from graphql_server.types.ComponentRun import ComponentRun


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each component run stored from now on (optionally of one component), within a poll interval."
    )
    async def run_added(self, info: Info, component: str | None = None) -> AsyncGenerator[ComponentRun, None]:
        async with info.context.feed.subscribe() as subscriber:
            while True:
                try:
                    run = await subscriber.next()
                except SubscriberTooSlow as exc:
                    raise GraphQLError(f"runAdded: this subscriber {exc}; subscribe again") from exc
                if component is not None and run.component != component:
                    continue
                # The websocket's context lives as long as the connection: each event gets fresh loaders.
                info.context.fresh_loaders()
                yield ComponentRun.from_record(run)
