"""``runs(filter, first, after)``: component runs filtered by component, tag, status, time and attributes.

Newest first and keyset-paged by (start time, span id), like ``recent_runs``: the cursor seeks, never skips.
Attribute filters are exact JSON equality (``"5"`` does not match ``5``), the same on SQLite and Postgres.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

from mltrace_otel.queries.cursors import check_first, decode_cursor, encode_cursor
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.records import Page
from mltrace_otel.queries.runs import RUN_COLUMNS, run_from_row
from mltrace_otel.store.models import component_tags, spans

STATUS_CODES = ("UNSET", "OK", "ERROR")


@dataclass(frozen=True)
class RunSearch:
    """What to look for; every given criterion must hold (AND). Empty: every component run."""

    components: Sequence[str] = ()
    tag: str | None = None
    status: str | None = None
    since_ns: int | None = None  # start time, inclusive
    until_ns: int | None = None  # start time, inclusive
    attributes: Sequence[tuple[str, Any]] = field(default_factory=tuple)  # (key, JSON value) pairs

    def check(self) -> RunSearch:
        if self.status is not None and self.status not in STATUS_CODES:
            raise InvalidArgument(f"status {self.status!r} is not one of {', '.join(STATUS_CODES)}")
        if self.since_ns is not None and self.until_ns is not None and self.since_ns > self.until_ns:
            raise InvalidArgument("since is after until; swap them")
        for key, value in self.attributes:
            if not key:
                raise InvalidArgument("an attribute filter needs a non-empty key")
            if '"' in key:
                raise InvalidArgument(f"attribute key {key!r} contains a double quote, which filters cannot match")
            if isinstance(value, (dict, list)) or value is None:
                raise InvalidArgument(
                    f"attribute {key!r}: filter on a string, number or boolean value (got {json.dumps(value)})"
                )
        return self


def _sqlite_json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    return "text"


def _attribute_equals(dialect: str, key: str, value: Any) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # jsonb equality compares type and value: 5 = 5.0 as numbers, "5" never equals 5.
        # The JSONB bind type serialises the value itself (a pre-serialised string would be encoded twice).
        return type_coerce(spans.c.attributes, JSONB)[key] == bindparam(None, value, type_=JSONB)
    path = f'$."{key}"'
    # json_extract turns JSON true into 1, so the JSON type is checked too: true must not match 1 or "1".
    matches_type = func.json_type(spans.c.attributes, path) == _sqlite_json_type(value)
    if isinstance(value, bool):
        return and_(matches_type, func.json_extract(spans.c.attributes, path) == int(value))
    if isinstance(value, (int, float)):
        # 5 and 5.0 are the same number, as on Postgres.
        return and_(
            func.json_type(spans.c.attributes, path).in_(("integer", "real")),
            func.json_extract(spans.c.attributes, path) == value,
        )
    return and_(matches_type, func.json_extract(spans.c.attributes, path) == value)


def search_runs(conn: Connection, search: RunSearch, first: int = 20, after: str | None = None) -> Page:
    """One statement: the page of matching component runs plus one row to tell whether another page exists."""
    first = check_first(first)
    search.check()
    stmt = select(*RUN_COLUMNS).where(spans.c.component.is_not(None))
    if search.components:
        stmt = stmt.where(spans.c.component.in_(list(search.components)))
    if search.tag is not None:
        stmt = stmt.where(
            spans.c.component.in_(select(component_tags.c.component).where(component_tags.c.tag == search.tag))
        )
    if search.status is not None:
        stmt = stmt.where(spans.c.status_code == search.status)
    if search.since_ns is not None:
        stmt = stmt.where(spans.c.start_ns >= search.since_ns)
    if search.until_ns is not None:
        stmt = stmt.where(spans.c.start_ns <= search.until_ns)
    for key, value in search.attributes:
        stmt = stmt.where(_attribute_equals(conn.dialect.name, key, value))
    if after:
        start_ns, span_id = decode_cursor(after)
        stmt = stmt.where(
            or_(spans.c.start_ns < start_ns, and_(spans.c.start_ns == start_ns, spans.c.span_id < span_id))
        )
    stmt = stmt.order_by(spans.c.start_ns.desc(), spans.c.span_id.desc()).limit(first + 1)
    runs = [run_from_row(r) for r in conn.execute(stmt)]
    has_next = len(runs) > first
    runs = runs[:first]
    return Page(
        items=runs, has_next=has_next, end_cursor=encode_cursor(runs[-1].start_ns, runs[-1].id) if runs else None
    )
