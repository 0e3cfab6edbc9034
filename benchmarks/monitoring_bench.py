"""Monitoring: what ``log_output`` costs the caller beside a bare span, and a million outputs and feedback.

1. Caller cost (SQLite store, spans with durability="memory", the cheapest span path): a bare OTel span start+end,
   ``log_output`` outside and inside a run, and ``log_outputs`` for a batch of 1,000,000 values (one call); then
   with durability="spool" (the default: each record copied into the spool before the call returns).
2. Ingest and metrics: 1,000,000 outputs over 24 hours and their 1,000,000 feedback values stored through
   ``store_observations`` (the path of the exporter and of ``POST /v1/logs``) in batches of 100,000; then the
   24-hour accuracy (first call recomputes all 1,440 minutes, the second reads them), ROC AUC (reads the pairs),
   an hourly series and the hourly drift; then what a Prometheus scrape reads for the tasks (with a registered
   24-hour accuracy), twice, and the task list. Time and the process's resident memory growth, on SQLite and
   Postgres.

    python -m benchmarks.monitoring_bench [--rows 1000000] [--no-caller-cost]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time

import psutil

from benchmarks.stores import _recreate_pg_database
from benchmarks.table import print_table

NS = 1_000_000_000
HOUR = 3600 * NS
T0 = 1_767_225_600 * NS
PG_URL = os.environ.get(
    "MLTRACE_MONITORING_BENCH_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/mltrace_monitoring_bench"
)


def _per_call_us(fn: object, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)  # type: ignore[operator]
    return (time.perf_counter() - start) / n * 1e6


def caller_cost(n: int) -> None:
    from opentelemetry import trace

    import mltrace_otel

    tmp = tempfile.mkdtemp(prefix="mltrace-monbench-")
    mltrace_otel.configure(f"sqlite:///{tmp}/bench.db", durability="memory")
    tracer = trace.get_tracer("bench")

    def bare(i: int) -> None:
        with tracer.start_as_current_span("step"):
            pass

    def output(i: int) -> None:
        mltrace_otel.log_output("bench", 0.5, f"o{i}")

    def in_run(i: int) -> None:
        with mltrace_otel.component_run("predict"):
            mltrace_otel.log_output("bench-run", 0.5, f"r{i}")

    def run_only(i: int) -> None:
        with mltrace_otel.component_run("predict"):
            pass

    rows = []
    span_us = _per_call_us(bare, n)
    mltrace_otel.flush()
    for label, fn in (("log_output outside a run", output), ("component_run alone", run_only),
                      ("component_run + log_output", in_run)):  # fmt: skip
        us = _per_call_us(fn, n)
        rows.append((label, f"{us:.1f}", f"{us / span_us:.1f}x"))
        mltrace_otel.flush()
    values = [random.random() for _ in range(1_000_000)]
    ids = [f"b{i}" for i in range(1_000_000)]
    batch = {}
    for durability in ("memory", "spool"):
        mltrace_otel.configure(durability=durability)
        start = time.perf_counter()
        mltrace_otel.log_outputs(f"bench-batch-{durability}", values, ids)
        batch_s = time.perf_counter() - start
        start = time.perf_counter()
        mltrace_otel.flush(600_000)
        batch[durability] = (batch_s, time.perf_counter() - start)
    mltrace_otel.configure(durability="spool")  # outputs and feedback spooled, as by default
    spooled_us = _per_call_us(output, n)
    mltrace_otel.flush()
    rows.insert(0, ("bare OTel span (start+end)", f"{span_us:.1f}", "1.0x"))
    rows.append(("log_output outside a run, durability=spool", f"{spooled_us:.1f}", f"{spooled_us / span_us:.1f}x"))
    for durability, (batch_s, _) in batch.items():
        rows.append((f"log_outputs, 1,000,000 values, {durability}: per value", f"{batch_s / 1e6 * 1e6:.3f}",
                     f"{batch_s / span_us:.4f}x"))  # fmt: skip
    print_table(f"Caller cost per call, {n:,} calls each (us; ratio to a bare span)", ["call", "us", "vs span"], rows)
    for durability, (batch_s, stored_s) in batch.items():
        print(f"  log_outputs of 1,000,000 values, durability={durability}: {batch_s * 1000:.0f} ms on the caller's "
              f"thread; stored by the drainer {stored_s:.1f} s later")  # fmt: skip
    mltrace_otel.shutdown()


def _observations(rows: int):  # type: ignore[no-untyped-def]
    from mltrace_otel.monitoring.events import Observation

    rng = random.Random(1)
    step = 24 * HOUR // rows
    for i in range(rows):
        y = float(rng.random() < 0.3)
        pred = float(rng.random() < (0.8 if y else 0.15))
        ts = T0 + i * step
        yield (
            Observation("output", "fraud", f"txn-{i}", pred, None, ts, None, None),
            Observation("feedback", "fraud", f"txn-{i}", y, None, ts + 24 * HOUR, None, None),
        )


def _scrape(engine: object) -> object:
    """What ``GET /metrics`` does for the tasks: the task collector rendered in the exposition format."""
    from prometheus_client import CollectorRegistry, generate_latest

    from graphql_server.monitoring.metrics_route import TaskCollector

    registry = CollectorRegistry(auto_describe=False)
    registry.register(TaskCollector(engine))  # type: ignore[arg-type]
    return lambda: generate_latest(registry)


def ingest_and_metrics(backend: str, rows: int) -> list[tuple[str, str, str, str]]:
    from mltrace_otel.monitoring import drift, windows
    from mltrace_otel.monitoring.overview import task_rows
    from mltrace_otel.monitoring.registry import register_metric
    from mltrace_otel.monitoring.write import store_observations
    from mltrace_otel.store.engine import create_store_engine
    from mltrace_otel.store.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='mltrace-monbench-')}/bench.db"
    else:
        _recreate_pg_database(PG_URL)
        url = PG_URL
    engine = create_store_engine(url)
    upgrade(engine)
    proc = psutil.Process()
    out = []

    def measure(label: str, fn: object) -> object:
        rss = proc.memory_info().rss
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        seconds = time.perf_counter() - start
        grown = (proc.memory_info().rss - rss) / 2**20
        out.append((backend, label, f"{seconds:.2f}", f"{grown:+.0f}"))
        return result

    pairs = list(_observations(rows))

    def ingest(kind_index: int) -> None:
        batch = 100_000
        for i in range(0, rows, batch):
            store_observations(engine, [p[kind_index] for p in pairs[i : i + batch]])

    measure(f"ingest {rows:,} outputs", lambda: ingest(0))
    measure(f"ingest {rows:,} feedback", lambda: ingest(1))
    end = T0 + 24 * HOUR - 1

    def accuracy() -> object:
        return windows.compute(engine, "fraud", "accuracy", window_s=86_400, end_ns=end)

    first = measure("24 h accuracy, first (1,440 minutes)", accuracy)
    measure("24 h accuracy, again", lambda: windows.compute(engine, "fraud", "accuracy", window_s=86_400, end_ns=end))
    measure("24 h f1 + mae + log_loss", lambda: [windows.compute(engine, "fraud", m, window_s=86_400, end_ns=end)
                                                 for m in ("f1", "mae", "log_loss")])  # fmt: skip
    measure("24 h ROC AUC (reads the pairs)", lambda: windows.compute(engine, "fraud", "roc_auc", window_s=86_400,
                                                                      end_ns=end))  # fmt: skip
    day = {"start_ns": T0, "end_ns": T0 + 24 * HOUR}
    measure("hourly accuracy series, 24 points", lambda: windows.series(engine, "fraud", "accuracy", **day,
                                                                        step_s=3600))  # fmt: skip
    measure("hourly drift, 24 windows", lambda: drift.drift_series(engine, "fraud", **day, window_s=3600))
    register_metric(engine, "fraud", "accuracy", 86_400)
    scrape = _scrape(engine)
    measure("scrape /metrics (task numbers), first", scrape)
    measure("scrape /metrics (task numbers), again", scrape)
    measure("task list (tasks / mltrace tasks)", lambda: task_rows(engine))
    assert first.pairs == rows, first  # type: ignore[attr-defined]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-caller-cost", action="store_true", help="only the store part")
    args = parser.parse_args()
    if not args.no_caller_cost:
        caller_cost(args.calls)
    results = []
    for backend in args.backends.split(","):
        results += ingest_and_metrics(backend, args.rows)
    print_table(f"{args.rows:,} outputs + {args.rows:,} feedback over 24 hours", ["store", "step", "seconds",
                "RSS growth MiB"], results)  # fmt: skip
    print(f"  peak RSS of the process: {psutil.Process().memory_info().rss / 2**20:.0f} MiB (now)")


if __name__ == "__main__":
    main()
