"""A year of runs on one Postgres: streamed load of millions of runs, then the queries users wait on, each beside
its figure on a 5,000-run store measured in the same run. Not in CI (it takes minutes to hours).

    python -m benchmarks.scale --runs 1000000 [--baseline-runs 5000] [--requests 30] [--no-ui] [--purge-days 0]
        [--reuse] [--load-only] [--database NAME] [--skip QUERY,...]

Both stores are Postgres databases of their own on ``MLTRACE_BENCH_PG_URL``'s server, dropped and recreated:
``mltrace_scale_base`` and ``mltrace_scale_<runs>`` (named by size, so a 1 M and a 10 M store can be kept side by
side). Each holds industry-style runs (benchmarks/datasets.py), streamed cycle by cycle into the real ingest path
in 2,000-span batches (the loader's peak RSS is printed: it does not grow with ``--runs``), the 499-run fan-in DAG,
and 500 flagged prediction outputs spread over the whole history.
Measured over real HTTP against ``mltrace serve`` in its own process, ``--requests`` sequential requests each
after a warm-up (benchmarks/graphql_bench.py's ``measure``): recentRuns, history, runs(filter), the 6-level
trace, lineage of the DAG (graph fields and every field the UI's graph view asks), review of the 500 flagged
outputs, staleness of the DAG's training run (124 dependencies), and the web UI's first paint of the recent view
in headless Chromium. Goal: every p50
within 1.5x of its 5,000-run figure; lineage (UI) under 50 ms.
Then bytes per run by table (``pg_total_relation_size``: heap, TOAST and indexes) and per index.

``--reuse`` keeps a store loaded by an earlier run with the same ``--runs`` (``--baseline-runs``) instead of
loading it again (the load is recorded in the database's comment); ``--load-only`` loads and stops. A purge
changes the store: the next ``--reuse`` loads it afresh.

``--purge-days N``: afterwards apply a retention policy deleting runs older than N days of the data's span (the
newest run is "now"), in 1,000-run batches, while one thread ingests new runs and another repeats ``history``;
prints the purge rate, the ingest rate and the query p95 during the purge beside the same before it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from benchmarks.datasets import EPOCH_NS, HOUR_NS, fan_in_dag, iter_industry_cycles, load
from benchmarks.graphql_bench import GOALS_MS, measure
from benchmarks.graphql_bench import queries as graphql_queries
from benchmarks.server import served
from benchmarks.stores import PG_URL, fresh_pg_store
from benchmarks.table import print_table
from mltrace_otel.queries.pointers import set_flag
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.engine import create_store_engine
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.migrate import upgrade

BATCH_SPANS = 2_000
FLAGGED = 500
RATIO_GOAL = 1.5
DAG_TRAINING_OUTPUT = "models/fan-in.joblib"  # the DAG's training run reads 124 shard features


def _store_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def fresh_pg(name: str) -> AbstractContextManager[tuple[str, Engine]]:
    return fresh_pg_store(_store_url(name))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_load(engine: Engine, runs: int, report_every: int = 100_000) -> tuple[int, float, list[str]]:
    """Industry runs cycle by cycle into the store; (runs stored, seconds, FLAGGED predictions spread evenly)."""
    per_cycle = 10
    cycles = max(1, -(-runs // per_cycle))
    flag_every = max(1, cycles // FLAGGED)
    flagged: list[str] = []
    pending: list[SpanRecord] = []
    stored = 0
    start = time.perf_counter()
    next_report = report_every
    for cycle, (spans, predictions) in enumerate(iter_industry_cycles(runs)):
        pending.extend(spans)
        stored += len(predictions) + 4
        if cycle % flag_every == 0 and len(flagged) < FLAGGED:
            flagged.append(predictions[0])
        if len(pending) >= BATCH_SPANS:
            ingest_spans(engine, pending)
            pending = []
        if stored >= next_report:
            elapsed = time.perf_counter() - start
            print(
                f"  {stored:,} runs in {elapsed:.0f} s ({stored / elapsed:,.0f} runs/s), loader peak RSS "
                f"{_rss_mib():.0f} MiB",
                flush=True,
            )
            next_report += report_every
    if pending:
        ingest_spans(engine, pending)
    return stored, time.perf_counter() - start, flagged


LOAD_MARK = "mltrace scale load:"


def _loaded(name: str) -> tuple[int, int, float] | None:
    """(runs asked, runs stored, load seconds) recorded on database ``name``, or None (absent, or never loaded)."""
    engine = create_store_engine(_store_url("postgres"))
    try:
        with engine.connect() as conn:
            comment = conn.execute(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
                {"name": name},
            ).scalar()
    finally:
        engine.dispose()
    if not comment or not comment.startswith(LOAD_MARK):
        return None
    asked, stored, seconds = comment.removeprefix(LOAD_MARK).split()
    return int(asked), int(stored), float(seconds)


def _mark_loaded(engine: Engine, name: str, asked: int | None, stored: int = 0, seconds: float = 0.0) -> None:
    """Record (or with ``asked`` None, forget) a finished load, so that ``--reuse`` can trust the store."""
    comment = "NULL" if asked is None else f"'{LOAD_MARK} {asked} {stored} {seconds:.1f}'"
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            f'COMMENT ON DATABASE "{name}" IS {comment}'
        )


@contextmanager
def loaded_pg(name: str, runs: int, reuse: bool) -> Iterator[tuple[str, Engine, int, float]]:
    """(url, engine, runs stored, load seconds) of a store holding ``runs`` runs: reused when asked and there."""
    found = _loaded(name) if reuse else None
    if found is not None and found[0] == runs:
        url = _store_url(name)
        engine = create_store_engine(url)
        upgrade(engine)
        print(f"  reusing {name}: {found[1]:,} runs loaded earlier in {found[2]:.0f} s", flush=True)
        try:
            yield url, engine, found[1], found[2]
        finally:
            engine.dispose()
        return
    with fresh_pg(name) as (url, engine):
        stored, seconds = fill(engine, runs)
        _mark_loaded(engine, name, runs, stored, seconds)
        yield url, engine, stored, seconds


def fill(engine: Engine, runs: int) -> tuple[int, float]:
    stored, seconds, flagged = stream_load(engine, runs)
    load(engine, [fan_in_dag()])
    with engine.begin() as conn:
        for name in flagged:
            set_flag(conn, name, True)
    # Planner statistics, as autovacuum keeps them in production.
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return stored, seconds


def scale_queries(dag_output: str) -> dict[str, tuple[str, dict[str, Any]]]:
    found = graphql_queries(dag_output)
    found["runs(filter)"] = (
        '{ runs(filter: {tag: "serving", status: ERROR}, first: 50) { nodes { id componentName startTime '
        "status { code message } } pageInfo { hasNextPage endCursor } } }",
        {},
    )
    found["review (500 flagged)"] = (
        "{ review(limit: 10) { totalFailed totalPassed runs { run { id componentName } failed passed ochiai } "
        "components { name failed passed ochiai } } }",
        {},
    )
    found["staleness (124 deps)"] = (
        f'{{ trace(output: "{DAG_TRAINING_OUTPUT}") {{ id stale {{ reason kind dependencyId }} }} }}',
        {},
    )
    return found


RECENT_READY = "document.querySelector('[data-testid=view-recent] tr[data-run-id]')"


def ui_first_paint(base: str, repeat: int) -> float | None:
    """Median ms from navigation to the first run row of the recent view; None when no browser or UI build."""
    try:
        from playwright.sync_api import sync_playwright

        from benchmarks.ui_bench import WAIT_IN_PAGE
        from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, UI_BUILD
    except ImportError:
        return None
    if not UI_BUILD.is_file() or not os.path.exists(CHROMIUM):
        return None
    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for n in range(repeat + 1):
            page.goto("about:blank")
            page.goto(f"{base}/recent", wait_until="commit")
            ready_ms = float(page.evaluate(WAIT_IN_PAGE, RECENT_READY))
            if n:  # the first load warms the browser's cache of the bundle
                times.append(ready_ms)
        browser.close()
    return statistics.median(times)


def measure_store(url: str, requests: int, ui: bool, skip: set[str]) -> dict[str, tuple[float, float]]:
    """query -> (p50 ms, p95 ms)."""
    results: dict[str, tuple[float, float]] = {}
    dag_output = fan_in_dag().final_outputs[0]
    with served(url, {"MLTRACE_INTROSPECTION": "true"}) as (base, server):
        for name, (query, variables) in scale_queries(dag_output).items():
            if name.split(" ")[0] in skip:
                continue
            p50, p95, _, _ = measure(base, server, query, variables, requests)
            results[name] = (p50, p95)
            print(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
        if ui:
            paint = ui_first_paint(base, 5)
            if paint is not None:
                results["UI first paint (recent)"] = (paint, paint)
                print(f"  UI first paint (recent): {paint:.0f} ms", flush=True)
    return results


def bytes_by_table(engine: Engine, runs: int) -> tuple[list[list[object]], list[list[object]]]:
    tables: list[list[object]] = []
    indexes: list[list[object]] = []
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
                "pg_indexes_size(c.oid), c.reltuples::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC"
            )
        ).all()
        for name, total, heap, idx, tuples in rows:
            if total < 64 * 1024:
                continue
            toast = total - heap - idx
            tables.append(
                [name, f"{tuples:,}", f"{total / 2**20:,.0f}", f"{heap / 2**20:,.0f}", f"{toast / 2**20:,.0f}",
                 f"{idx / 2**20:,.0f}", f"{total / runs:,.0f}"]
            )  # fmt: skip
        total_all = sum(r[1] for r in rows)
        tables.append(["all tables", "", f"{total_all / 2**20:,.0f}", "", "", "", f"{total_all / runs:,.0f}"])
        for table, index, size in conn.execute(
            text(
                "SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' ORDER BY 3 DESC"
            )
        ):
            if size >= 1024 * 1024:
                indexes.append([table, index, f"{size / 2**20:,.0f}", f"{size / runs:,.0f}"])
    return tables, indexes


def purge_under_load(url: str, engine: Engine, runs: int, purge_days: float, requests: int) -> list[list[object]]:
    """Apply ``*=<purge_days>d`` relative to the newest run, with ingest and a query loop running alongside."""
    from mltrace_otel.retention.policy import parse_policy
    from mltrace_otel.retention.purge import apply_retention

    cycles = max(1, -(-runs // 10))
    now_ns = EPOCH_NS + cycles * HOUR_NS
    stop = threading.Event()
    ingested: list[tuple[float, int]] = []
    latencies: list[tuple[float, float]] = []

    def ingest_loop() -> None:
        # New cycles after the loaded history, in the same batch size as the load.
        start = now_ns + HOUR_NS
        for spans, predictions in iter_industry_cycles(10**9, seed=99, start_ns=start):
            if stop.is_set():
                return
            ingest_spans(engine, spans)
            ingested.append((time.perf_counter(), len(predictions) + 4))

    def query_loop(base: str) -> None:
        query = '{ history(component: "inference", first: 100) { nodes { id startTime } } }'
        with httpx.Client(base_url=base, timeout=120) as client:
            while not stop.is_set():
                t0 = time.perf_counter()
                client.post("/graphql", json={"query": query}).raise_for_status()
                latencies.append((t0, (time.perf_counter() - t0) * 1000))

    def window(t0: float, t1: float) -> tuple[float, float]:
        runs_in = sum(n for t, n in ingested if t0 <= t < t1)
        lat = sorted(ms for t, ms in latencies if t0 <= t < t1) or [float("nan")]
        return runs_in / (t1 - t0), lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]

    with served(url, {"MLTRACE_INTROSPECTION": "true"}) as (base, _):
        threads = [threading.Thread(target=ingest_loop), threading.Thread(target=query_loop, args=(base,))]
        for thread in threads:
            thread.start()
        before_start = time.perf_counter()
        time.sleep(30)
        purge_start = time.perf_counter()
        result = apply_retention(engine, parse_policy(f"*={int(purge_days)}d"), now_ns)
        purge_end = time.perf_counter()
        stop.set()
        for thread in threads:
            thread.join()
    rate_before, p95_before = window(before_start, purge_start)
    rate_during, p95_during = window(purge_start, purge_end)
    seconds = purge_end - purge_start
    print(
        f"  purge: {result.runs_deleted:,} runs deleted in {seconds:.0f} s ({result.runs_deleted / seconds:,.0f}/s), "
        f"{sum(result.plan.protected.values()) + result.kept_late:,} kept for lineage, {result.batches} batches",
        flush=True,
    )
    return [
        ["ingest (runs/s)", f"{rate_before:,.0f}", f"{rate_during:,.0f}", f"{rate_during / rate_before:.2f}"],
        ["history p95 (ms)", f"{p95_before:.1f}", f"{p95_during:.1f}", f"{p95_during / p95_before:.2f}"],
        ["purge (runs/s)", "-", f"{result.runs_deleted / seconds:,.0f}", "-"],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000, help="industry-style runs in the big store")
    parser.add_argument("--baseline-runs", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per query")
    parser.add_argument("--no-ui", action="store_true", help="skip the browser's first paint")
    parser.add_argument("--purge-days", type=float, default=0, help="also purge runs older than this, under load")
    parser.add_argument("--reuse", action="store_true", help="keep stores loaded earlier with the same sizes")
    parser.add_argument("--load-only", action="store_true", help="load both stores, measure nothing")
    parser.add_argument("--database", help="the big store's database (default mltrace_scale_<runs>)")
    parser.add_argument("--skip", default="", help="queries not to measure, comma-separated (e.g. review)")
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}

    print(f"baseline: {args.baseline_runs:,} runs", flush=True)
    with loaded_pg("mltrace_scale_base", args.baseline_runs, args.reuse) as (url, engine, _, _):
        engine.dispose()
        base = {} if args.load_only else measure_store(url, args.requests, not args.no_ui, skip)

    print(f"scale: {args.runs:,} runs, streamed", flush=True)
    big_name = args.database or f"mltrace_scale_{args.runs}"
    with loaded_pg(big_name, args.runs, args.reuse) as (url, engine, stored, seconds):
        rss = _rss_mib()
        if args.load_only:
            print(f"loaded {stored:,} runs in {seconds:.0f} s", flush=True)
            return 0
        tables, indexes = bytes_by_table(engine, stored)
        engine.dispose()
        big = measure_store(url, args.requests, not args.no_ui, skip)
        purge_rows = []
        if args.purge_days:
            _mark_loaded(engine, big_name, None)  # the purge changes the store: never reuse it
            purge_rows = purge_under_load(url, engine, args.runs, args.purge_days, args.requests)

    rows: list[list[object]] = []
    for name, (p50, p95) in big.items():
        b50 = base.get(name, (float("nan"), 0.0))[0]
        goal = GOALS_MS.get(name)
        rows.append(
            [name, f"{b50:.1f}", f"{p50:.1f}", f"{p95:.1f}", f"{p50 / b50:.2f}",
             "yes" if p50 / b50 <= RATIO_GOAL else "NO", f"{goal:.0f}" if goal else "-"]
        )  # fmt: skip
    print(f"\nloaded {stored:,} runs (+ the 499-run DAG, {FLAGGED} flags) in {seconds:.0f} s: "
          f"{stored / seconds:,.0f} runs/s; loader peak RSS {rss:.0f} MiB")  # fmt: skip
    print_table(
        f"GraphQL over HTTP, {args.requests} requests each, p50 at {args.baseline_runs:,} vs {stored:,} runs; ms",
        ["query", f"p50 {args.baseline_runs:,}", f"p50 {stored:,}", "p95", "ratio", f"<= {RATIO_GOAL}x", "goal"],
        rows,
    )
    print_table(
        f"Bytes per run by table at {stored:,} runs (pg_total_relation_size; MiB)",
        ["table", "rows", "total", "heap", "toast", "indexes", "B/run"],
        tables,
    )
    print_table("Indexes of at least 1 MiB", ["table", "index", "MiB", "B/run"], indexes)
    if purge_rows:
        print_table(
            f"Retention purge of runs older than {args.purge_days:g} days, under load",
            ["", "before", "during", "ratio"],
            purge_rows,
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
