"""A run's OTel status: code and the message a failed run carried."""

from __future__ import annotations

import strawberry

from graphql_server.types.StatusCode import StatusCode


@strawberry.type(description="The run's OTel span status.")
class RunStatus:
    code: StatusCode
    message: str | None
