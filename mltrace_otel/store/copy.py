"""``mltrace db copy``: a whole store into another one (SQLite -> Postgres, or between any two), resumable.

Rows are copied as they are, table by table in foreign-key order (every table of the schema but the copy's own
bookkeeping): reading pages in key order from the source, writing each page to the target (COPY on Postgres,
``executemany`` on SQLite) in one transaction with a checkpoint row in ``store_copies`` saying where the page
ended. An interrupted copy (Ctrl-C, a crash, a lost connection) therefore resumes after the last page that was
committed: nothing is written twice and nothing is skipped. Derived tables (IO rows, lineage edges) are copied
too, not recomputed, so the copy is exact and fast.

At the end the copy is verified: per table, the row count and an order-independent checksum of every column (JSON
compared by content, since Postgres normalises JSONB text), source against target; lineage is the ``run_io`` and
``run_edges`` tables. The target must start empty (or hold an unfinished copy of the same source), and the source
should not be written to meanwhile: the verification says so if it was.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Connection, Engine, func, select, text

from mltrace_otel.errors import MltraceError
from mltrace_otel.store.bulk import writer_for
from mltrace_otel.store.models import metadata, store_copies
from mltrace_otel.store.upsert import dialect_insert

PAGE_ROWS = 10_000
BOOKKEEPING = "store_copies"
# The copy's own checkpoints, and the live-delivery numbering of runs (a store's subscribers care only for runs
# stored after they subscribed: the copy numbers its own from its first ingest on).
NOT_COPIED = (BOOKKEEPING, "run_arrivals")
# Tables without a primary key, and the columns that identify a row of them (an index leads with the first).
ROW_KEYS = {"run_io": ("span_id", "direction", "pointer")}
LINEAGE_TABLES = ("run_io", "run_edges")

Progress = Callable[[str, int], None]


class CopyError(MltraceError):
    """The copy cannot start or did not verify; the message says why."""

    code = "COPY_FAILED"


@dataclass(frozen=True)
class TablePlan:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    json_columns: frozenset[str]

    @property
    def key_positions(self) -> list[int]:
        return [self.columns.index(k) for k in self.key]


def table_plans() -> list[TablePlan]:
    plans = []
    for table in metadata.sorted_tables:
        if table.name in NOT_COPIED:
            continue
        columns = tuple(c.name for c in table.columns)
        key = tuple(c.name for c in table.primary_key.columns) or ROW_KEYS.get(table.name) or columns
        json_columns = frozenset(c.name for c in table.columns if isinstance(c.type, JSON))
        plans.append(TablePlan(table.name, columns, key, json_columns))
    return plans


@dataclass
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def equal(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass
class CopyReport:
    copied_rows: int = 0
    resumed_rows: int = 0  # rows an earlier, interrupted run of the same copy had committed
    copy_seconds: float = 0.0
    verify_seconds: float = 0.0
    checks: list[TableCheck] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(c.equal for c in self.checks)

    @property
    def lineage_checksum(self) -> str:
        """One checksum over the lineage tables (run_io and run_edges) of the target."""
        parts = "".join(c.target_sum for c in self.checks if c.table in LINEAGE_TABLES)
        return hashlib.sha256(parts.encode()).hexdigest()[:16]


@contextmanager
def _cursor(conn: Connection) -> Iterator[Any]:
    cursor = conn.connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _select_list(plan: TablePlan, dialect: str) -> str:
    # JSON as text on both sides: jsonb comes back from psycopg2 as dicts otherwise.
    return ", ".join(f"{c}::text" if dialect == "postgresql" and c in plan.json_columns else c for c in plan.columns)


def _page_sql(plan: TablePlan, dialect: str, after: bool, rows: int) -> str:
    mark = "%s" if dialect == "postgresql" else "?"
    key = ", ".join(plan.key)
    where = f" WHERE ({key}) > ({', '.join(mark for _ in plan.key)})" if after else ""
    return f"SELECT {_select_list(plan, dialect)} FROM {plan.name}{where} ORDER BY {key} LIMIT {rows}"


def row_counts(engine: Engine, plans: Sequence[TablePlan]) -> dict[str, int]:
    with engine.connect() as conn:
        return {p.name: int(conn.execute(text(f"SELECT COUNT(*) FROM {p.name}")).scalar_one()) for p in plans}


def _checkpoints(conn: Connection, source: str) -> dict[str, Any]:
    rows = conn.execute(select(store_copies).where(store_copies.c.source == source)).all()
    return {r.table_name: r for r in rows}


def _prepare_target(target: Engine, source: str, plans: Sequence[TablePlan]) -> dict[str, Any]:
    with target.connect() as conn:
        others = conn.execute(
            select(store_copies.c.source).where(store_copies.c.source != source).limit(1)
        ).scalar_one_or_none()
        if others is not None:
            raise CopyError(f"the target already holds a copy of another store ({others}); copy into an empty store")
        checkpoints = _checkpoints(conn, source)
        if not checkpoints:
            for plan in plans:
                if conn.execute(text(f"SELECT 1 FROM {plan.name} LIMIT 1")).first() is not None:
                    raise CopyError(
                        f"the target is not empty (table {plan.name} has rows); copy into an empty store, or merge "
                        "with `mltrace db export | mltrace --database-url TARGET db import`"
                    )
    return checkpoints


def _save_checkpoint(conn: Connection, source: str, table: str, last_key: Any, rows: int, done: bool) -> None:
    stmt = dialect_insert(conn, store_copies).values(
        source=source,
        table_name=table,
        last_key=json.dumps(last_key) if last_key is not None else None,
        rows_copied=rows,
        done=done,
        updated_ns=time.time_ns(),
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["source", "table_name"],
            set_={
                "last_key": stmt.excluded.last_key,
                "rows_copied": rows,
                "done": done,
                "updated_ns": stmt.excluded.updated_ns,
            },
        )
    )


_MOVE_SEQUENCE = text(
    "SELECT setval(pg_get_serial_sequence('spans', 'seq'), (SELECT COALESCE(MAX(seq), 0) + 1 FROM spans), false)"
)


def _copy_table(
    source: Engine, target: Engine, label: str, plan: TablePlan, checkpoint: Any, page_rows: int, progress: Progress
) -> int:
    last_key = json.loads(checkpoint.last_key) if checkpoint is not None and checkpoint.last_key else None
    copied = int(checkpoint.rows_copied) if checkpoint is not None else 0
    written = 0
    positions = plan.key_positions
    with source.connect() as read, _cursor(read) as cursor:
        dialect = source.dialect.name
        while True:
            if last_key is None:
                cursor.execute(_page_sql(plan, dialect, False, page_rows))
            else:
                cursor.execute(_page_sql(plan, dialect, True, page_rows), tuple(last_key))
            rows = [tuple(row) for row in cursor.fetchall()]
            if not rows:
                break
            last_key = [rows[-1][i] for i in positions]
            with target.begin() as conn:
                writer_for(conn).append(plan.name, plan.columns, rows)
                _save_checkpoint(conn, label, plan.name, last_key, copied + written + len(rows), False)
            written += len(rows)
            progress(plan.name, len(rows))
            if len(rows) < page_rows:
                break
    with target.begin() as conn:
        _save_checkpoint(conn, label, plan.name, last_key, copied + written, True)
        if plan.name == "spans" and conn.dialect.name == "postgresql":
            # Rows came with their arrival numbers: move the sequence past them, or the next insert collides.
            conn.execute(_MOVE_SEQUENCE)
    return written


def copy_store(
    source: Engine,
    target: Engine,
    source_label: str,
    *,
    page_rows: int = PAGE_ROWS,
    progress: Progress | None = None,
    on_start: Callable[[dict[str, int], int], None] | None = None,
) -> CopyReport:
    """Copy every row of ``source`` into ``target``, then verify; ``source_label`` names the source in checkpoints.

    ``on_start(source row counts, rows already copied)`` is called once the plan is known (for a progress bar).
    """
    plans = table_plans()
    checkpoints = _prepare_target(target, source_label, plans)
    counts = row_counts(source, plans)
    report = CopyReport(resumed_rows=sum(int(c.rows_copied) for c in checkpoints.values()))
    if on_start:
        on_start(counts, report.resumed_rows)
    started = time.perf_counter()
    for plan in plans:
        checkpoint = checkpoints.get(plan.name)
        if checkpoint is not None and checkpoint.done:
            continue
        report.copied_rows += _copy_table(
            source, target, source_label, plan, checkpoint, page_rows, progress or (lambda _t, _n: None)
        )
    report.copy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report.checks = verify(source, target, plans)
    report.verify_seconds = time.perf_counter() - started
    return report


def verify(source: Engine, target: Engine, plans: Sequence[TablePlan] | None = None) -> list[TableCheck]:
    checks = []
    for plan in plans or table_plans():
        source_rows, source_sum = table_checksum(source, plan)
        target_rows, target_sum = table_checksum(target, plan)
        checks.append(TableCheck(plan.name, source_rows, target_rows, source_sum, target_sum))
    return checks


def _canonical(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def table_checksum(engine: Engine, plan: TablePlan) -> tuple[int, str]:
    """(rows, checksum): the sum of one hash per row, so the order rows are read in does not matter."""
    json_positions = [i for i, c in enumerate(plan.columns) if c in plan.json_columns]
    total = 0
    rows = 0
    with engine.connect() as conn, _cursor(conn) as cursor:
        cursor.execute(f"SELECT {_select_list(plan, engine.dialect.name)} FROM {plan.name}")
        while batch := cursor.fetchmany(PAGE_ROWS):
            for raw in batch:
                row = [int(v) if isinstance(v, bool) else v for v in raw]
                for i in json_positions:
                    row[i] = _canonical(row[i])
                digest = hashlib.blake2b(repr(row).encode("utf-8", "surrogatepass"), digest_size=16).digest()
                total = (total + int.from_bytes(digest, "big")) % (1 << 128)
                rows += 1
    return rows, f"{total:032x}"


def spans_count(engine: Engine) -> int:
    from mltrace_otel.store.models import spans

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(spans)).scalar_one())
