"""``mltrace db copy`` SQLite -> Postgres beside a raw COPY of the same rows: ``python -m benchmarks.store_copy_bench``.

The source is a SQLite store of the industry pipeline (100,000 runs by default, ``--runs N``) plus the fan-in DAG.
- ours: :func:`mltrace_otel.store.copy.copy_store`, as ``mltrace db copy`` runs it: pages read from SQLite in key
  order, written with COPY, a checkpoint committed with each page; then the verification (counts and checksums of
  every table on both sides), timed apart.
- baseline: the same rows, already read into memory (not timed), written into an identical empty Postgres
  schema in one transaction: one COPY per table, and again in COPYs of the page size ours uses.
Both targets are fresh databases with the same indexes.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine

from benchmarks.datasets import fan_in_dag, industry_runs, load
from benchmarks.stores import fresh_store
from benchmarks.table import print_table
from mltrace_otel.store.bulk import writer_for
from mltrace_otel.store.copy import PAGE_ROWS, TablePlan, copy_store, table_plans


def _read_all(source: Engine, plans: list[TablePlan]) -> dict[str, list[tuple[object, ...]]]:
    rows: dict[str, list[tuple[object, ...]]] = {}
    with source.connect() as conn:
        cursor = conn.connection.cursor()
        for plan in plans:
            cursor.execute(f"SELECT {', '.join(plan.columns)} FROM {plan.name}")
            rows[plan.name] = [tuple(r) for r in cursor.fetchall()]
    return rows


def _raw_copy(
    target: Engine, plans: list[TablePlan], rows: dict[str, list[tuple[object, ...]]], page: int | None = None
) -> float:
    """COPY every row in one transaction: one COPY per table, or one per ``page`` rows."""
    started = time.perf_counter()
    with target.begin() as conn:
        writer = writer_for(conn)
        for plan in plans:
            table_rows = rows[plan.name]
            step = page or max(1, len(table_rows))
            for start in range(0, len(table_rows), step):
                writer.append(plan.name, plan.columns, table_rows[start : start + step])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    plans = table_plans()
    with fresh_store("sqlite") as (source_url, source):
        load(source, [industry_runs(args.runs), fan_in_dag()], batch_size=5_000)
        rows = _read_all(source, plans)
        total = sum(len(r) for r in rows.values())
        with fresh_store("postgresql") as (_, target):
            report = copy_store(source, target, source_url, page_rows=PAGE_ROWS)
            assert report.verified, [c for c in report.checks if not c.equal]
        with fresh_store("postgresql") as (_, target):
            raw_s = _raw_copy(target, plans, rows)
        with fresh_store("postgresql") as (_, target):
            paged_s = _raw_copy(target, plans, rows, PAGE_ROWS)
    ours_rate = total / report.copy_seconds
    raw_rate = total / raw_s
    with_verify = total / (report.copy_seconds + report.verify_seconds)
    print_table(
        f"SQLite -> Postgres, {args.runs:,} runs + fan-in DAG: {total:,} rows in {len(plans)} tables "
        f"({len(rows['spans']):,} spans, {len(rows['run_io']):,} IO rows, {len(rows['run_edges']):,} edges)",
        ["", "seconds", "rows/s", "vs raw COPY"],
        [
            ["mltrace db copy (read, write, checkpoint per page)", f"{report.copy_seconds:.1f}", f"{ours_rate:,.0f}",
             f"{ours_rate / raw_rate:.2f}x"],
            ["  + verification (counts, checksums both sides)", f"{report.copy_seconds + report.verify_seconds:.1f}",
             f"{with_verify:,.0f}", f"{with_verify / raw_rate:.2f}x"],
            ["raw COPY of the same rows from memory, one transaction", f"{raw_s:.1f}", f"{raw_rate:,.0f}", "1.00x"],
            [f"  the same in {PAGE_ROWS:,}-row COPYs, one transaction", f"{paged_s:.1f}", f"{total / paged_s:,.0f}",
             f"{raw_s / paged_s:.2f}x"],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
