"""Input: one span attribute that must equal a value."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON


@strawberry.input(description="Span attribute `key` must equal `value` exactly (a string, number or boolean).")
class AttributeFilter:
    key: str
    value: JSON
