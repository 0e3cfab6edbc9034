"""Core benchmarks (issue 2): caller-thread cost, durable ingest through the exporter, lineage of a 499-run DAG.

    python -m benchmarks.core_bench [--runs 20000]

Every figure is measured in this run next to its baseline, and reported as a ratio: machines here are shared and
noisy, so absolute times move between runs while the ratios hold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine, event

import mltrace_otel
from benchmarks.datasets import fan_in_dag, load
from benchmarks.stores import fresh_store
from benchmarks.table import print_table
from mltrace_otel.exporter import MltraceSpanExporter
from mltrace_otel.queries.lineage import Direction, lineage
from mltrace_otel.span_record import from_readable_span
from mltrace_otel.store.bulk import _copy_buffer
from mltrace_otel.store.rows import SPAN_COLUMNS, run_facts, span_row

MLTRACE_LOG_RUN_MS = 72.0  # mltrace 0.17 logging one run, measured on this kind of machine (issue 2)
MLTRACE_TRACE_499_MS = 5_100.0  # mltrace 0.17 tracing the 499-run fan-in DAG (issue 2)
BATCH = 4_096  # what configure()'s BatchSpanProcessor hands the exporter at most


class _NoOpExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _per_call_us(
    fns: dict[str, Callable[[], object]], calls: int, between: Callable[[], object], rounds: int = 7
) -> dict[str, tuple[float, float]]:
    """Median over rounds of one call's cost in microseconds: (CPU time of the calling thread, wall time).

    Rounds interleave the functions, so each is measured under the same conditions (the exporter's thread is
    storing earlier runs meanwhile). CPU time is the caller-thread cost itself; wall time also includes waiting
    for the GIL, which depends on how busy the machine is. ``between`` runs untimed after each function's round:
    it lets the exporter drain, so the queue never overflows and no call takes the SDK's drop-and-log path.
    """
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            between()
            start_cpu, start_wall = time.thread_time(), time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name][0].append((time.thread_time() - start_cpu) / calls * 1e6)
            samples[name][1].append((time.perf_counter() - start_wall) / calls * 1e6)
    return {name: (statistics.median(cpu), statistics.median(wall)) for name, (cpu, wall) in samples.items()}


def caller_thread_cost(calls: int) -> list[list[object]]:
    """Per durability: the caller-thread cost of each way to record a run, beside a bare span measured in the same
    interleaved rounds (so each ratio compares like with like)."""
    bare_provider = TracerProvider()
    bare_provider.add_span_processor(BatchSpanProcessor(_NoOpExporter(), max_queue_size=65_536))
    bare_tracer = bare_provider.get_tracer("bench")

    def bare() -> None:
        with bare_tracer.start_as_current_span("step"):
            pass

    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="mltrace-bench-") as tmp:
        os.environ["MLTRACE_HOME"] = tmp  # the spool goes there, not into the user's home
        for durability in ("spool", "memory"):
            mltrace_otel.configure(f"sqlite:///{tmp}/caller-{durability}.db", durability=durability)
            from opentelemetry import trace

            tracer = trace.get_tracer("bench")

            @mltrace_otel.register("train", inputs=["features.csv"], outputs=["model.pkl"])
            def decorated() -> int:
                return 1

            def context_manager() -> None:
                with mltrace_otel.component_run("train", inputs=["features.csv"]) as run:
                    run.add_output("model.pkl")

            def plain_otel(tracer: trace.Tracer = tracer) -> None:
                attrs = {
                    "mltrace.component": "train",
                    "mltrace.inputs": ["features.csv"],
                    "mltrace.outputs": ["model.pkl"],
                }
                with tracer.start_as_current_span("train", attributes=attrs):
                    pass

            for fn in (bare, decorated, context_manager, plain_otel):  # warm caches (git, source) outside timing
                fn()
            labels = {
                "bare OTel span, no-op exporter (baseline)": bare,
                "@register run (component, IO, code, git)": decorated,
                "component_run(...) block": context_manager,
                "plain OTel span with mltrace.* attributes": plain_otel,
            }
            costs = _per_call_us(labels, calls, mltrace_otel.flush)
            base = costs["bare OTel span, no-op exporter (baseline)"][0]
            for label, (cost, wall) in costs.items():
                speedup = "" if cost == base else f"{MLTRACE_LOG_RUN_MS * 1000 / cost:,.0f}x"
                where = "" if cost == base else f'durability="{durability}"'
                rows.append([label, where, f"{cost:.1f}", f"{wall:.1f}", f"{cost / base:.2f}x", speedup])
            stored = mltrace_otel.flush()
            mltrace_otel.shutdown()
            if not stored:
                raise RuntimeError(f"the store did not take every run (durability={durability})")
    bare_provider.shutdown()
    return rows


def _pipeline_spans(n: int) -> list[ReadableSpan]:
    """n finished component-run spans, 2 inputs and 1 output each, chained like a pipeline."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("bench")
    for i in range(n):
        attrs = {
            "mltrace.component": f"step{i % 50}",
            "mltrace.inputs": [f"data/part-{i}.parquet", f"data/part-{i - 1}.parquet"],
            "mltrace.outputs": [f"data/part-{i + 1}.parquet"],
            "mltrace.code.git_hash": "0" * 40,
        }
        with tracer.start_as_current_span(f"step{i % 50}", attributes=attrs):
            pass
    return list(memory.get_finished_spans())


def _raw_copy_seconds(engine: Engine, rows: list[tuple[object, ...]]) -> float:
    """The floor: the same span rows into an unindexed copy of ``spans``, by COPY (Postgres) / executemany."""
    cols = ", ".join(SPAN_COLUMNS)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"CREATE TABLE raw_spans AS SELECT {cols} FROM spans WITH NO DATA")
        else:
            conn.exec_driver_sql(f"CREATE TABLE raw_spans AS SELECT {cols} FROM spans WHERE 0")
    start = time.perf_counter()
    for part in range(0, len(rows), BATCH):
        chunk = rows[part : part + BATCH]
        with engine.begin() as conn:
            cursor = conn.connection.cursor()
            if conn.dialect.name == "postgresql":
                cursor.copy_expert(f"COPY raw_spans ({cols}) FROM STDIN", _copy_buffer(chunk))
            else:
                marks = ",".join("?" * len(SPAN_COLUMNS))
                cursor.executemany(f"INSERT INTO raw_spans ({cols}) VALUES ({marks})", chunk)
    return time.perf_counter() - start


def durable_ingest(runs: int) -> list[list[object]]:
    """Spans handed to MltraceSpanExporter in the SDK's batches, until every one is committed in the store: the
    spool append, then the drainer's transactions."""
    spans = _pipeline_spans(runs)
    records = [from_readable_span(s) for s in spans]
    rows = [span_row(r, run_facts(r), 0)[0] for r in records]
    table: list[list[object]] = []
    for backend in ("postgresql", "sqlite"):
        with fresh_store(backend) as (url, engine), tempfile.TemporaryDirectory(prefix="mltrace-spool-") as home:
            os.environ["MLTRACE_HOME"] = home
            exporter = MltraceSpanExporter(url)
            start = time.perf_counter()
            for part in range(0, len(spans), BATCH):
                if exporter.export(spans[part : part + BATCH]).name != "SUCCESS":
                    raise RuntimeError(f"export failed on {backend}")
            if not exporter.force_flush(600_000):
                raise RuntimeError(f"the store did not take every span on {backend}")
            ours = time.perf_counter() - start
            status = exporter.status()
            exporter.shutdown()
            if status is None or status.stored != runs:
                raise RuntimeError(f"stored {status.stored if status else 0} of {runs} on {backend}")
            raw = _raw_copy_seconds(engine, rows)
        table.append(
            [
                backend,
                f"{runs / ours:,.0f} runs/s",
                f"{runs / raw:,.0f} rows/s",
                f"{raw / ours:.2f}",
                "yes" if runs / ours >= 10_000 else "no",
            ]
        )
    return table


def lineage_of_fan_in(repeats: int) -> list[list[object]]:
    dataset = fan_in_dag()
    output = dataset.final_outputs[-1]
    table: list[list[object]] = []
    for backend in ("postgresql", "sqlite"):
        with fresh_store(backend) as (_, engine):
            load(engine, [dataset])
            statements: list[str] = []

            def count(*args: object, sink: list[str] = statements) -> None:
                sink.append(str(args[2]))

            times = []
            with engine.connect() as conn:
                for i in range(repeats):
                    if i == repeats - 1:
                        event.listen(engine, "before_cursor_execute", count)
                    start = time.perf_counter()
                    graph = lineage(conn, output=output, direction=Direction.UPSTREAM)
                    times.append((time.perf_counter() - start) * 1000)
                event.remove(engine, "before_cursor_execute", count)
            if len(graph.runs) != dataset.run_count:
                raise RuntimeError(f"lineage found {len(graph.runs)} of {dataset.run_count} runs")
            p50 = statistics.median(times)
            table.append(
                [
                    backend,
                    len(graph.runs),
                    len(graph.edges),
                    len(statements),
                    f"{p50:.1f} ms",
                    f"{MLTRACE_TRACE_499_MS / p50:,.0f}x",
                ]
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20_000, help="runs for the ingest benchmark")
    parser.add_argument("--calls", type=int, default=5_000, help="calls per round for the caller-thread benchmark")
    args = parser.parse_args()
    print_table(
        "Caller-thread cost of recording one run (median of 7 interleaved rounds)",
        [
            "how (goal: < 100 us and <= 3x the bare span)",
            "durability",
            "CPU us/run",
            "wall us/run",
            "CPU vs bare",
            "vs mltrace 0.17",
        ],
        caller_thread_cost(args.calls),
    )
    print_table(
        f"Durable ingest through MltraceSpanExporter (spool, then store): {args.runs:,} runs (2 inputs, 1 output), "
        f"{BATCH}-span batches",
        ["store", "ours (committed)", "raw COPY of span rows", "ours/raw", ">= 10,000 runs/s"],
        durable_ingest(args.runs),
    )
    print_table(
        "Upstream lineage of the 499-run fan-in DAG (query layer, p50 of 30)",
        ["store", "runs", "edges", "SQL statements", "p50", "vs mltrace 0.17 (5.1 s)"],
        lineage_of_fan_in(30),
    )


if __name__ == "__main__":
    main()
