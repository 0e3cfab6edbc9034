"""Runs and spans: by id, recent, history, one OTel trace, notes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Text, and_, cast, or_, select, update

from mltrace_otel.queries.cursors import check_first, decode_cursor, encode_cursor
from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.records import Page, Run, RunIO
from mltrace_otel.store.models import run_io, spans

JSON_COLUMNS = (spans.c.attributes, spans.c.events, spans.c.links, spans.c.resource, spans.c.scope)
RUN_COLUMNS = (
    spans.c.span_id,
    spans.c.trace_id,
    spans.c.parent_span_id,
    spans.c.name,
    spans.c.kind,
    spans.c.component,
    spans.c.start_ns,
    spans.c.end_ns,
    spans.c.status_code,
    spans.c.status_message,
    spans.c.git_hash,
    spans.c.code_hash,
    spans.c.notes,
    spans.c.service_name,
    # As text, decoded only when read (records.Run): Postgres prints jsonb, SQLite already stores text.
    *(cast(column, Text).label(column.name) for column in JSON_COLUMNS),
    spans.c.seq,
)
_RUN_WIDTH = len(RUN_COLUMNS)
# Large IN lists are split so one statement's parameters stay well inside every driver's limits.
CHUNK = 2_000
_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def normalize_run_id(run_id: str) -> str:
    """Run ids are 16 lowercase hex characters; accept upper case, reject anything else with a clear message."""
    value = str(run_id).strip().lower()
    if not _SPAN_ID.match(value):
        raise InvalidArgument(f"run id {run_id!r} is not 16 hexadecimal characters (a span id)")
    return value


def normalize_trace_id(trace_id: str) -> str:
    value = str(trace_id).strip().lower()
    if not _TRACE_ID.match(value):
        raise InvalidArgument(f"trace id {trace_id!r} is not 32 hexadecimal characters")
    return value


def run_from_row(row: Any, start: int = 0) -> Run:
    """The run in ``row``, whose RUN_COLUMNS begin at position ``start``. Positional: Run's fields are declared
    in RUN_COLUMNS' order (tests/core/test_run_rows.py holds them together), and a name lookup per column cost
    more than the rest of building a run."""
    return Run(*row[start : start + _RUN_WIDTH])


def chunks(keys: Sequence[str], size: int = CHUNK) -> Iterable[list[str]]:
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def runs_by_ids(conn: Connection, ids: Sequence[str]) -> dict[str, Run]:
    """Spans by id (component runs and plain spans alike); unknown ids are simply absent."""
    found: dict[str, Run] = {}
    for part in chunks(ids):
        for row in conn.execute(select(*RUN_COLUMNS).where(spans.c.span_id.in_(part))):
            run = run_from_row(row)
            found[run.id] = run
    return found


def get_run(conn: Connection, run_id: str) -> Run:
    rid = normalize_run_id(run_id)
    run = runs_by_ids(conn, [rid]).get(rid)
    if run is None:
        raise NotFound("run", rid)
    return run


def run_io_by_ids(conn: Connection, ids: Sequence[str]) -> dict[str, RunIO]:
    """Inputs and outputs of each run, in stored order; every requested id gets an entry."""
    result: dict[str, RunIO] = {rid: RunIO([], []) for rid in ids}
    for part in chunks(ids):
        stmt = (
            select(run_io.c.span_id, run_io.c.direction, run_io.c.pointer)
            .where(run_io.c.span_id.in_(part))
            .order_by(run_io.c.span_id, run_io.c.pointer)
        )
        for span_id, direction, pointer in conn.execute(stmt):
            io = result[span_id]
            (io.inputs if direction == "in" else io.outputs).append(pointer)
    return result


def _newest_first(stmt: Select[Any], first: int, after: str | None) -> Select[Any]:
    if after:
        start_ns, span_id = decode_cursor(after)
        stmt = stmt.where(
            or_(spans.c.start_ns < start_ns, and_(spans.c.start_ns == start_ns, spans.c.span_id < span_id))
        )
    return stmt.order_by(spans.c.start_ns.desc(), spans.c.span_id.desc()).limit(first + 1)


def _page(conn: Connection, stmt: Select[Any], first: int) -> Page:
    runs = [run_from_row(r) for r in conn.execute(stmt)]
    has_next = len(runs) > first
    runs = runs[:first]
    cursor = encode_cursor(runs[-1].start_ns, runs[-1].id) if runs else None
    return Page(items=runs, has_next=has_next, end_cursor=cursor)


def recent_runs(conn: Connection, first: int = 20, after: str | None = None) -> Page:
    """Component runs, newest first, keyset-paged."""
    first = check_first(first)
    stmt = select(*RUN_COLUMNS).where(spans.c.component.is_not(None))
    return _page(conn, _newest_first(stmt, first, after), first)


def history(
    conn: Connection,
    component: str,
    first: int = 10,
    after: str | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> Page:
    """Runs of one component, newest first; ``since``/``until`` bound the start time (inclusive)."""
    first = check_first(first)
    if since_ns is not None and until_ns is not None and since_ns > until_ns:
        raise InvalidArgument("since is after until; swap them")
    stmt = select(*RUN_COLUMNS).where(spans.c.component == component)
    if since_ns is not None:
        stmt = stmt.where(spans.c.start_ns >= since_ns)
    if until_ns is not None:
        stmt = stmt.where(spans.c.start_ns <= until_ns)
    return _page(conn, _newest_first(stmt, first, after), first)


def trace_spans(conn: Connection, trace_id: str) -> list[Run]:
    """Every span of one OTel trace (runs and plain spans), oldest first, with parent ids."""
    tid = normalize_trace_id(trace_id)
    stmt = select(*RUN_COLUMNS).where(spans.c.trace_id == tid).order_by(spans.c.start_ns, spans.c.span_id)
    found = [run_from_row(r) for r in conn.execute(stmt)]
    if not found:
        raise NotFound("trace", tid)
    return found


def set_notes(conn: Connection, run_id: str, notes: str) -> Run:
    rid = normalize_run_id(run_id)
    done = conn.execute(update(spans).where(spans.c.span_id == rid).values(notes=notes))
    if done.rowcount == 0:
        raise NotFound("run", rid)
    return get_run(conn, rid)


def latest_runs_of(conn: Connection, components: Sequence[str], started_by_ns: int) -> dict[str, tuple[str, str]]:
    """Component -> (trace id, span id) of its latest run that started at or before ``started_by_ns``; components
    with none are left out. One index seek per component (mltrace's ``set_upstream`` names a handful)."""
    found: dict[str, tuple[str, str]] = {}
    for name in dict.fromkeys(components):
        row = conn.execute(
            select(spans.c.trace_id, spans.c.span_id)
            .where(spans.c.component == name, spans.c.start_ns <= started_by_ns)
            .order_by(spans.c.start_ns.desc(), spans.c.span_id.desc())
            .limit(1)
        ).first()
        if row is not None:
            found[name] = (row.trace_id, row.span_id)
    return found
