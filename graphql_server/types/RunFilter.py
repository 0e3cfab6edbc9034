"""Input: what `runs(filter)` looks for; every given criterion must hold."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graphql_server.types.AttributeFilter import AttributeFilter
from graphql_server.types.StatusCode import StatusCode


@strawberry.input(description="Every given criterion must hold. Times bound the run's start, inclusive.")
class RunFilter:
    component: str | None = None
    components: list[str] | None = strawberry.field(default=None, description="Any of these components.")
    tag: str | None = strawberry.field(default=None, description="Runs of components carrying this tag.")
    status: StatusCode | None = None
    since: datetime | None = None
    until: datetime | None = None
    attributes: list[AttributeFilter] | None = None
