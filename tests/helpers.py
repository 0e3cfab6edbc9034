"""Small builders that keep tests readable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from mltrace_otel.span_record import SpanLinkRecord, SpanRecord

_ids = itertools.count(1)
TRACE = "ab" * 16


def new_span_id() -> str:
    return f"{next(_ids) + 0x1000:016x}"


def run_record(
    component: str,
    start: int,
    end: int,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] = (),
    *,
    span_id: str | None = None,
    trace_id: str = TRACE,
    links: Sequence[str] = (),
    status: str = "UNSET",
    attributes: dict[str, Any] | None = None,
) -> SpanRecord:
    """A component run span; times in seconds (stored as nanoseconds)."""
    attrs: dict[str, Any] = {"mltrace.component": component}
    if inputs:
        attrs["mltrace.inputs"] = list(inputs)
    if outputs:
        attrs["mltrace.outputs"] = list(outputs)
    attrs.update(attributes or {})
    return SpanRecord(
        trace_id=trace_id,
        span_id=span_id or new_span_id(),
        parent_span_id=None,
        name=component,
        kind="INTERNAL",
        start_ns=int(start * 1e9) + 1_700_000_000 * 10**9,
        end_ns=int(end * 1e9) + 1_700_000_000 * 10**9,
        status_code=status,
        attributes=attrs,
        links=tuple(SpanLinkRecord(trace_id=trace_id, span_id=s) for s in links),
    )


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementCounter]:
    """Counts SQL round trips (cursor executions) on ``engine`` inside the block."""
    counter = StatementCounter()

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def refuse_spans(engine: Engine, condition: str, message: str) -> None:
    """A rule of the user's database that no validation of ours knows about: a trigger refusing every span row for
    which the SQL ``condition`` (on ``NEW``) holds, with ``message``. On SQLite and Postgres alike."""
    quoted = message.replace("'", "''")
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_spans BEFORE INSERT ON spans WHEN {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END"
            )
            return
        body = f"IF {condition} THEN RAISE EXCEPTION '{quoted}'; END IF; RETURN NEW;".replace("%", "%%")
        function = f"CREATE FUNCTION refuse_spans() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"
        conn.exec_driver_sql(function)
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_spans BEFORE INSERT ON spans FOR EACH ROW EXECUTE FUNCTION refuse_spans()"
        )
