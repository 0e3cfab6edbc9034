"""A page of newly stored runs after a subscriber's position (see :mod:`mltrace_otel.queries.arrivals`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from mltrace_otel.queries.arrivals import arrivals
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import runs_by_ids

PAGE = 500


@dataclass(frozen=True, slots=True)
class Page:
    runs: list[tuple[int, Run]]  # (arrival number, run), in arrival order
    last: int  # the position after this page: every run numbered up to here has been read
    full: bool  # more may follow at once


def read_page(conn: Connection, after: int, limit: int = PAGE) -> Page:
    found = arrivals(conn, after, limit)
    if not found:
        return Page([], after, False)
    runs = runs_by_ids(conn, [a.span_id for a in found])
    # A run deleted since (``mltrace clear``) has a number but no row: skipped.
    return Page([(a.seq, runs[a.span_id]) for a in found if a.span_id in runs], found[-1].seq, len(found) == limit)
