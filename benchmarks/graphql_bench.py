"""The GraphQL API through real HTTP: p50/p95 of the queries mltrace users wait on, against mltrace 0.17.

    python -m benchmarks.graphql_bench [--runs 5000] [--requests 50] [--backends sqlite,postgresql]

Per backend: a fresh store loaded (through ``ingest_spans``) with ``--runs`` industry-style runs and the 499-run
fan-in DAG (benchmarks/datasets.py); ``mltrace serve``'s app under a real uvicorn in its own process; one HTTP
client timing ``--requests`` sequential requests of each query after a warm-up:
- lineage of the whole DAG: the graph's shape (ids, components, status, edges); what the UI's graph view asks
  (``graphView``: every node's summary, staleness, outputs and drift, and the merged edges, in one JSON value); and
  the same facts through the typed fields (``nodes { ... } mergedEdges { ... }``), as typed clients ask them;
- trace of the DAG's final output nested 6 levels (run summary and IO at every level): mltrace's ``trace``;
- history(first: 100) of the inference component and recentRuns(first: 50), with summaries and IO.
Anchors, measured on this machine with mltrace 0.17 on the same shapes: 5,100 ms for that trace and 2,241 ms for a
100-run history. Goals: lineage p50 under 50 ms, history p50 under 20 ms. The table prints each p50's speed-up over
its anchor and its ratio to its goal (< 1 meets it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

import httpx
import psutil

from benchmarks.datasets import fan_in_dag, industry_runs, load
from benchmarks.server import cpu_seconds, served
from benchmarks.stores import fresh_store
from benchmarks.table import print_table

ANCHORS_MS = {"trace": 5_100.0, "history": 2_241.0}
GOALS_MS = {"lineage (graph)": 50.0, "lineage (UI)": 50.0, "history": 20.0}

RUN_SUMMARY = "id componentName startTime endTime durationMs status { code }"
IO = "inputs { name flagged } outputs { name flagged }"
# The facts the web UI's lineage view draws for each node (ui/src/api/operations.ts, GraphRun), as typed fields;
# the UI itself asks them all at once as LineageGraph.graphView.
GRAPH_RUN = (
    "id componentName name startTime durationMs statusCode statusMessage staleReasons outputs flaggedOutputs "
    "drift { task outputs window { start end score method threshold } }"
)


def _nested(levels: int) -> str:
    body = f"{RUN_SUMMARY} {IO}"
    for _ in range(levels - 1):
        body = f"{RUN_SUMMARY} {IO} dependencies {{ {body} }}"
    return body


def queries(dag_output: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "lineage (graph)": (
            "query($o: String!) { lineage(output: $o) { nodes { depth run { id componentName status { code } } } "
            "edges { from to via } } }",
            {"o": dag_output},
        ),
        "lineage (UI)": ("query($o: String!) { lineage(output: $o) { graphView } }", {"o": dag_output}),
        "lineage (typed)": (
            f"query($o: String!) {{ lineage(output: $o) {{ roots nodes {{ depth {GRAPH_RUN} }} "
            "mergedEdges { from to via } } }",
            {"o": dag_output},
        ),
        "trace": (f"query($o: String!) {{ trace(output: $o) {{ {_nested(6)} }} }}", {"o": dag_output}),
        "history": (
            f'{{ history(component: "inference", first: 100) {{ nodes {{ {RUN_SUMMARY} {IO} gitHash }} '
            "pageInfo { hasNextPage endCursor } } }",
            {},
        ),
        "recentRuns": (
            f"{{ recentRuns(first: 50) {{ nodes {{ {RUN_SUMMARY} {IO} }} pageInfo {{ hasNextPage endCursor }} }} }}",
            {},
        ),
    }


def measure(
    url: str, server: psutil.Process, query: str, variables: dict[str, Any], requests: int
) -> tuple[float, float, float, int]:
    """(p50 ms, p95 ms, server CPU ms per request, response bytes) over ``requests`` sequential POSTs, after three
    warm-up requests. Server CPU is the uvicorn process's own (on Postgres the database's work is elsewhere); it
    moves less than wall time when other work shares the machine."""
    times: list[float] = []
    size = 0
    cpu_start = 0.0
    with httpx.Client(base_url=url, timeout=120) as client:
        for n in range(requests + 3):
            if n == 3:
                cpu_start = cpu_seconds(server)
            start = time.perf_counter()
            response = client.post("/graphql", json={"query": query, "variables": variables})
            elapsed = (time.perf_counter() - start) * 1000
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"query failed: {response.status_code} {str(body)[:500]}")
            size = len(response.content)
            if n >= 3:
                times.append(elapsed)
    cpu_ms = (cpu_seconds(server) - cpu_start) * 1000 / requests
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], cpu_ms, size


def bench_backend(backend: str, runs: int, requests: int) -> list[list[object]]:
    rows: list[list[object]] = []
    with fresh_store(backend) as (url, engine):
        dag = fan_in_dag()
        industry = industry_runs(runs)
        start = time.perf_counter()
        load(engine, [industry, dag])
        load_s = time.perf_counter() - start
        # Planner statistics, as autovacuum (Postgres) or a periodic ANALYZE (SQLite) keep them in production;
        # right after a bulk load they are missing and the planner picks scans for a near-empty table.
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"{backend}: loaded {industry.run_count} industry runs + {dag.run_count}-run DAG in {load_s:.1f} s")
        engine.dispose()
        with served(url, {"MLTRACE_INTROSPECTION": "true"}) as (base, server):
            for name, (query, variables) in queries(dag.final_outputs[0]).items():
                p50, p95, cpu_ms, size = measure(base, server, query, variables, requests)
                anchor = ANCHORS_MS.get(name)
                goal = GOALS_MS.get(name)
                rows.append(
                    [
                        backend,
                        name,
                        f"{p50:.1f}",
                        f"{p95:.1f}",
                        f"{cpu_ms:.1f}",
                        f"{size / 1024:.0f}",
                        f"{anchor:,.0f}" if anchor else "-",
                        f"{anchor / p50:,.0f}x" if anchor else "-",
                        f"{goal:.0f}" if goal else "-",
                        f"{p50 / goal:.2f}" if goal else "-",
                    ]
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5_000, help="industry-style runs besides the 499-run DAG")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per query")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    rows: list[list[object]] = []
    for backend in args.backends.split(","):
        rows += bench_backend(backend.strip(), args.runs, args.requests)
    print_table(
        f"GraphQL over HTTP, {args.requests} requests each ({args.runs:,} industry runs + 499-run DAG); ms",
        ["backend", "query", "p50", "p95", "server CPU", "KiB", "mltrace 0.17", "speed-up", "goal p50", "p50/goal"],
        rows,
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    missed = [r for r in rows if r[9] != "-" and float(str(r[9])) >= 1]
    if missed:
        print("\ngoals missed: " + ", ".join(f"{r[0]} {r[1]}" for r in missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
