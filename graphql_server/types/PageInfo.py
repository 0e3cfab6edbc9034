"""Relay page info for keyset-paged connections."""

from __future__ import annotations

import strawberry


@strawberry.type(description="Where a page ends; pass endCursor back as `after` for the next page.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when this page was asked for with `after` (forward paging only)."
    )
    start_cursor: str | None
    end_cursor: str | None
