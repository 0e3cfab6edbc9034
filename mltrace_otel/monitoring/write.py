"""Storing outputs and feedback: one transaction per batch, idempotent, marking the minutes whose metrics changed.

Rows are keyed by (task, output_id) and the first value stands, so a batch delivered twice (an OTLP retry) is
kept once. Each batch marks the minutes (of the *output's* time) whose joined pairs it may have changed in
``task_dirty_buckets``; metric reads recompute only those (buckets.py). Writers of a task and that recompute
take the task's row lock (Postgres; SQLite has one writer anyway), so a mark is never lost between the two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from mltrace_otel.monitoring.events import Observation
from mltrace_otel.store.bulk import begin_ingest
from mltrace_otel.store.faults import Fault, classify
from mltrace_otel.store.text import has_lone_surrogate

BUCKET_NS = 60 * 1_000_000_000  # one minute: the grain of windows, series and the metric cache
_CHUNK = 20_000
_COLUMNS = ("task", "output_id", "value", "label", "ts_ns", "trace_id", "span_id", "ingested_ns")
_PG_CASTS = ("text", "text", "float8", "text", "bigint", "text", "text", "bigint")
TABLES = {"output": "task_outputs", "feedback": "task_feedback"}


def store_observations(engine: Engine, rows: Sequence[Observation]) -> None:
    if rows:
        with engine.begin() as conn:
            write_observations(conn, rows)


@dataclass(frozen=True, slots=True)
class Refused:
    """A value (or a whole record) of outputs or feedback the store will never hold, and why."""

    kind: str  # "output" or "feedback"
    task: str
    output_id: str
    reason: str


@dataclass
class ObservationsResult:
    outputs: int = 0  # rows the store now holds (new, or kept from an earlier delivery)
    feedback: int = 0
    refused: list[Refused] = field(default_factory=list)


def store_isolating(engine: Engine, rows: Sequence[Observation]) -> ObservationsResult:
    """Store ``rows`` (one transaction when all goes well) whatever a few of them do: a row the databases cannot
    hold is refused alone with the reason (checked before the transaction, or found by splitting the batch as
    store/isolation.py does for spans). Raises when the store, not a row, is at fault (store/faults.py): the
    caller keeps the rows and retries."""
    result = ObservationsResult()
    good: list[Observation] = []
    for row in rows:
        reason = unstorable(row)
        if reason is None:
            good.append(row)
        else:
            result.refused.append(_refused(row, reason))
    _store_splitting(engine, good, result)
    return result


def unstorable(row: Observation) -> str | None:
    """Why neither database can hold ``row`` as it is, or None. An output id is a key: it is never rewritten (two
    ids would become one), so text the drivers refuse is a reason to refuse the row, not to repair it."""
    for what, value in (("task name", row.task), ("output id", row.output_id), ("category value", row.label)):
        if value is None:
            continue
        if "\x00" in value:
            return f"its {what} contains a NUL character, which Postgres cannot store"
        if has_lone_surrogate(value):
            return (f"its {what} contains a lone surrogate (not valid Unicode, e.g. from an undecodable file "
                    "name), which cannot be stored as UTF-8")  # fmt: skip
    return None


def _refused(row: Observation, why: str) -> Refused:
    # Worded as monitoring/events.py words a refused value, so every reason reads the same.
    reason = f"task {_printable(row.task)}, output {_printable(row.output_id)}: {why}"
    return Refused(row.kind, row.task, _printable(row.output_id), reason)


def _printable(value: str) -> str:
    return ascii(value) if len(value) <= 80 else ascii(value[:80]) + "..."


def _store_splitting(engine: Engine, rows: list[Observation], result: ObservationsResult) -> None:
    if not rows:
        return
    try:
        store_observations(engine, rows)
    except Exception as exc:
        diagnosis = classify(exc)
        if diagnosis.fault is not Fault.SPAN:
            raise
        if len(rows) == 1:
            result.refused.append(_refused(rows[0], f"the database refused it ({diagnosis.reason})"))
            return
        half = len(rows) // 2
        _store_splitting(engine, rows[:half], result)
        _store_splitting(engine, rows[half:], result)
        return
    for row in rows:
        if row.kind == "output":
            result.outputs += 1
        else:
            result.feedback += 1


def write_observations(conn: Connection, rows: Sequence[Observation]) -> None:
    begin_ingest(conn)
    now = time.time_ns()
    lock_tasks(conn, sorted({r.task for r in rows}), create_ns=now)
    for kind, table in TABLES.items():
        part = [_row(r, now) for r in rows if r.kind == kind]
        for start in range(0, len(part), _CHUNK):
            _insert_ignore(conn, table, part[start : start + _CHUNK])
    _mark(conn, {(r.task, r.ts_ns - r.ts_ns % BUCKET_NS) for r in rows if r.kind == "output"})
    feedback = [(r.task, r.output_id) for r in rows if r.kind == "feedback"]
    for start in range(0, len(feedback), _CHUNK):
        _mark_outputs_of(conn, feedback[start : start + _CHUNK])


def lock_tasks(conn: Connection, names: Sequence[str], *, create_ns: int | None = None) -> None:
    """Create the tasks' rows if needed, then hold their locks until the transaction ends (sorted: no deadlock)."""
    if create_ns is not None:
        _insert_ignore_plain(conn, "tasks", ("name", "created_ns"), [(n, create_ns) for n in names], ("name",))
    if conn.dialect.name == "postgresql" and names:
        conn.execute(
            text("SELECT name FROM tasks WHERE name IN (SELECT json_array_elements_text(CAST(:n AS json))) "
                 "ORDER BY name FOR UPDATE"),
            {"n": json.dumps(list(names))},
        )  # fmt: skip


def _row(r: Observation, now: int) -> tuple[Any, ...]:
    return (r.task, r.output_id, r.value, r.label, r.ts_ns, r.trace_id, r.span_id, now)


def _insert_ignore(conn: Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        # One JSON parameter for the whole chunk: one statement and round trip (json.dumps keeps floats exact).
        select = ", ".join(f"CAST(e->>{i} AS {t})" for i, t in enumerate(_PG_CASTS))
        cursor = conn.connection.cursor()
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) SELECT {select} FROM json_array_elements(%s::json) e "
            "ON CONFLICT (task, output_id) DO NOTHING",
            (json.dumps(rows),),
        )
        cursor.close()
    else:
        _insert_ignore_plain(conn, table, _COLUMNS, rows, ("task", "output_id"))


def _insert_ignore_plain(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], key: Sequence[str]
) -> None:
    rows = list(rows)
    if not rows:
        return
    cursor = conn.connection.cursor()
    if conn.dialect.name == "postgresql":
        from psycopg2.extras import execute_values

        execute_values(
            cursor,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s ON CONFLICT ({', '.join(key)}) DO NOTHING",
            rows,
        )
    else:
        marks = ", ".join("?" for _ in columns)
        cursor.executemany(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    cursor.close()


def _mark(conn: Connection, buckets: set[tuple[str, int]]) -> None:
    _insert_ignore_plain(conn, "task_dirty_buckets", ("task", "bucket_ns"), sorted(buckets), ("task", "bucket_ns"))


def _mark_outputs_of(conn: Connection, keys: list[tuple[str, str]]) -> None:
    """Mark the minutes of the outputs this feedback belongs to (feedback before its output marks nothing: the
    output's own batch will)."""
    if conn.dialect.name == "postgresql":
        pairs = "SELECT e->>0 AS task, e->>1 AS output_id FROM json_array_elements(CAST(:keys AS json)) e"
        tail = "ON CONFLICT (task, bucket_ns) DO NOTHING"
        head = "INSERT INTO"
    else:
        pairs = (
            "SELECT json_extract(value, '$[0]') AS task, json_extract(value, '$[1]') AS output_id FROM json_each(:keys)"
        )
        tail = ""
        head = "INSERT OR IGNORE INTO"
    conn.execute(
        text(
            f"{head} task_dirty_buckets (task, bucket_ns) SELECT DISTINCT o.task, o.ts_ns - o.ts_ns % {BUCKET_NS} "
            f"FROM ({pairs}) k JOIN task_outputs o ON o.task = k.task AND o.output_id = k.output_id {tail}"
        ),
        {"keys": json.dumps(keys)},
    )
