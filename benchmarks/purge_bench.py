"""A retention purge of a large store under load: ingest rate and query latency before it and while it runs.

    python -m benchmarks.purge_bench --runs 1000000 --purge-days 2083 [--batch-size 1000] [--pause-ratio 0]
        [--before-s 60] [--purge-limit-s 600] [--reuse]

The store is benchmarks/scale.py's (``mltrace_scale_<runs>`` on ``MLTRACE_BENCH_PG_URL``'s server), loaded by it or
reused from an earlier ``python -m benchmarks.scale --reuse`` / ``--load-only`` of the same ``--runs``; the purge
changes it, so the next ``--reuse`` loads afresh. Not in CI.

While ``mltrace serve`` (its own process) serves the store, one thread sends new industry cycles over OTLP/HTTP
(JSON, ~110 spans a request, as an exporter's batches) and another repeats ``history(first: 100)`` and
``recentRuns(50)``. After ``--before-s`` seconds, ``apply_retention`` (what ``mltrace retention apply`` runs)
deletes every run older than ``--purge-days`` days before the newest that lineage, flags and pins let go, in
``--batch-size`` batches; it is stopped between batches after ``--purge-limit-s`` seconds (the table says how far
it got). Printed: ingest (stored runs per second), query p50/p95 before, while the plan is made, and while batches
delete; the purge's rate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

import httpx
from sqlalchemy import text

from benchmarks.datasets import EPOCH_NS, HOUR_NS, iter_industry_cycles
from benchmarks.scale import _mark_loaded, loaded_pg
from benchmarks.server import served
from benchmarks.table import print_table
from mltrace_otel.otlp_json import export_request
from mltrace_otel.retention.policy import parse_policy
from mltrace_otel.retention.purge import apply_retention
from mltrace_otel.span_record import SpanRecord

CYCLES_PER_REQUEST = 10  # ~110 spans
QUERIES = {
    "history": '{ history(component: "inference", first: 100) { nodes { id startTime } } }',
    "recentRuns": "{ recentRuns(first: 50) { edges { node { id componentName startTime } } } }",
}


_RUNS = "SELECT count(*) FROM spans WHERE component IS NOT NULL"


class _Stop(Exception):
    """Raised between batches to end the purge after its time limit."""


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--purge-days", type=float, required=True, help="delete runs older than this (of the data)")
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--pause-ratio", type=float, default=0.0)
    parser.add_argument("--before-s", type=float, default=60)
    parser.add_argument("--purge-limit-s", type=float, default=600)
    parser.add_argument("--reuse", action="store_true", help="reuse benchmarks.scale's loaded store")
    parser.add_argument(
        "--database", help="the store's database (by default scale.py's of --runs runs: mltrace_scale_<runs>)"
    )
    args = parser.parse_args(argv)
    database = args.database or f"mltrace_scale_{args.runs}"

    cycles = max(1, -(-args.runs // 10))
    now_ns = EPOCH_NS + cycles * HOUR_NS
    stop = threading.Event()
    stored: list[tuple[float, int]] = []
    failed_requests: list[int] = []
    latencies: dict[str, list[tuple[float, float]]] = {name: [] for name in QUERIES}

    def ingest_loop(base: str) -> None:
        pending: list[SpanRecord] = []
        runs = 0
        with httpx.Client(base_url=base, timeout=120) as client:
            for n, (spans, predictions) in enumerate(
                iter_industry_cycles(10**9, seed=99, start_ns=now_ns + HOUR_NS), start=1
            ):
                if stop.is_set():
                    return
                pending.extend(spans)
                runs += len(predictions) + 4
                if n % CYCLES_PER_REQUEST:
                    continue
                response = client.post("/v1/traces", json=export_request(pending))
                if response.status_code == 200:
                    stored.append((time.perf_counter(), runs))
                else:
                    failed_requests.append(response.status_code)
                pending, runs = [], 0

    def query_loop(base: str) -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while not stop.is_set():
                for name, query in QUERIES.items():
                    t0 = time.perf_counter()
                    client.post("/graphql", json={"query": query}).raise_for_status()
                    latencies[name].append((t0, (time.perf_counter() - t0) * 1000))

    marks: dict[str, float] = {}

    def on_batch() -> None:
        marks.setdefault("first batch", time.perf_counter())
        if time.perf_counter() - marks["purge"] > args.purge_limit_s:
            raise _Stop

    with loaded_pg(database, args.runs, args.reuse) as (url, engine, loaded, _):
        _mark_loaded(engine, database, None)  # the purge changes the store: never reuse it
        print(f"store: {loaded:,} runs; purging runs older than {args.purge_days:g} days under load", flush=True)
        with served(url, {"MLTRACE_INTROSPECTION": "true"}) as (base, _server):
            threads = [
                threading.Thread(target=ingest_loop, args=(base,)),
                threading.Thread(target=query_loop, args=(base,)),
            ]
            for thread in threads:
                thread.start()
            marks["before"] = time.perf_counter()
            time.sleep(args.before_s)
            with engine.connect() as conn:
                at_start = conn.execute(text(_RUNS)).scalar_one()
            marks["purge"] = time.perf_counter()
            policy = parse_policy(f"*={int(args.purge_days)}d")
            stopped = False
            try:
                result = apply_retention(
                    engine, policy, now_ns, batch_size=args.batch_size, pause_ratio=args.pause_ratio, on_batch=on_batch
                )
            except _Stop:
                stopped, result = True, None
            marks["end"] = time.perf_counter()
            stop.set()
            for thread in threads:
                thread.join()
        with engine.connect() as conn:
            left = conn.execute(text(_RUNS)).scalar_one()
    plan_end = marks.get("first batch", marks["end"])
    windows = {
        "before": (marks["before"], marks["purge"]),
        "plan+1st batch": (marks["purge"], plan_end),
        "deleting": (plan_end, marks["end"]),
    }
    rows: list[list[object]] = []
    ingest = {k: sum(n for t, n in stored if t0 <= t < t1) / max(t1 - t0, 1e-9) for k, (t0, t1) in windows.items()}
    rows.append(["ingest over OTLP (runs/s)", *(f"{ingest[k]:,.0f}" for k in windows)])
    for name in QUERIES:
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            cells = []
            for t0, t1 in windows.values():
                cells.append(f"{_p([ms for t, ms in latencies[name] if t0 <= t < t1], q):,.1f}")
            rows.append([f"{name} {label} (ms)", *cells])
    seconds = {k: t1 - t0 for k, (t0, t1) in windows.items()}
    rows.append(["window (s)", *(f"{seconds[k]:,.0f}" for k in windows)])
    deleted = at_start + sum(n for t, n in stored if t >= marks["purge"]) - left
    print(
        f"\npurge {'stopped after its time limit' if stopped else 'finished'}: {deleted:,} runs deleted in "
        f"{seconds['plan+1st batch'] + seconds['deleting']:,.0f} s (plan {seconds['plan+1st batch']:,.0f} s, deleting "
        f"{seconds['deleting']:,.0f} s: {deleted / max(seconds['deleting'], 1e-9):,.0f} runs/s); "
        f"{left:,} runs left; OTLP requests refused: {len(failed_requests)}"
        + (f"; plan: {result.plan.runs_to_delete:,} to delete" if result is not None else "")
    )
    print_table(
        f"Retention purge (runs older than {args.purge_days:g} days, batches of {args.batch_size:,}, pause ratio "
        f"{args.pause_ratio:g}) of a {loaded:,}-run store under load",
        ["", *windows],
        rows,
    )
    if latencies["history"]:
        print(f"history p50 over the whole run: {statistics.median(ms for _, ms in latencies['history']):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
