"""End-to-end OTLP ingest: spans per second from the first send until every span is queryable.

``python -m benchmarks.otlp_ingest [--spans 100000] [--senders 4] [--backends sqlite,postgresql]``

For each backend, in one run:
- **e2e**: the official Python ``OTLPSpanExporter`` (protobuf, as a BatchSpanProcessor would send: batches of
  512) from ``--senders`` threads of this process to the server running under uvicorn in its own process; the
  clock stops when a count of the ``spans`` table sees every span (so "stored" means committed and queryable,
  with lineage edges, components, tags and IO rows written).
- **raw insert**: the same rows (spans and their IO rows) inserted into a fresh store with the driver's fastest
  bulk path (Postgres COPY, SQLite executemany), nothing else: the floor the e2e figure is compared with.
- **flood**: ``--flood-senders`` threads posting pre-encoded batches as fast as they can for ``--flood-seconds``
  against a server with a small admission limit: the receiver's peak RSS stays bounded and the excess is
  answered 503 + Retry-After instead of being queued in memory.

Spans are shaped like pipeline runs: a ``pipeline`` run (level 1) with four step runs (level 2, 2-5 inputs,
1-3 outputs, tags) each with a plain child span (level 3); each pipeline's first step reads the previous
pipeline's outputs, so lineage edges are materialised as they would be in production.
Anchor (the issue's measurement on this kind of machine): Arize Phoenix 20.26 ingests 200-290 spans/s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import set_span_in_context
from sqlalchemy import Engine, func, select, text

from benchmarks.server import cpu_seconds, served
from benchmarks.stores import fresh_store
from benchmarks.table import print_table
from mltrace_otel.span_record import SpanRecord, from_readable_span
from mltrace_otel.store.models import spans as spans_table

BATCH = 512  # the BatchSpanProcessor's default max_export_batch_size
EPOCH_NS = 1_704_067_200 * 10**9
PHOENIX_SPANS_PER_S = "200-290"


# --- the workload --------------------------------------------------------------------------------------------


class _Collect(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def pipeline_spans(total: int, seed: int = 7) -> list[ReadableSpan]:
    """``total`` (rounded up to whole pipelines of 9 spans) ended SDK spans, in the order they ended."""
    rng = random.Random(seed)
    collect = _Collect()
    provider = TracerProvider(resource=Resource.create({"service.name": "bench-pipeline"}))
    provider.add_span_processor(collect)
    tracer = provider.get_tracer("benchmarks.otlp_ingest", "1.0")
    previous: list[str] = [f"seed/table{k}.parquet" for k in range(3)]
    pipeline = 0
    while len(collect.spans) < total:
        t = EPOCH_NS + pipeline * 10 * 10**9
        root = tracer.start_span(
            "pipeline", attributes={"mltrace.component": "pipeline", "mltrace.tags": ["bench"]}, start_time=t
        )
        ctx = set_span_in_context(root, Context())
        for step in range(4):
            begin = t + (step * 2 + 1) * 10**9
            outputs = [f"p{pipeline}/s{step}/out{k}.parquet" for k in range(rng.randint(1, 3))]
            refs = [f"ref/dim{rng.randrange(50)}.csv" for _ in range(5)]
            inputs = list(dict.fromkeys(previous[:3] + refs))[: rng.randint(2, 5)]
            attrs = {
                "mltrace.component": f"step{step}",
                "mltrace.inputs": inputs,
                "mltrace.outputs": outputs,
                "mltrace.tags": ["bench", f"stage{step}"],
                "code.function.name": f"pipeline.step{step}",
            }
            run = tracer.start_span(f"step{step}", context=ctx, attributes=attrs, start_time=begin)
            child = tracer.start_span("work", context=set_span_in_context(run, ctx), start_time=begin + 10**8)
            child.set_attribute("rows", rng.randrange(10**6))
            child.end(end_time=begin + 9 * 10**8)
            run.end(end_time=begin + 10**9)
            previous = outputs
        root.end(end_time=t + 9 * 10**9)
        pipeline += 1
    provider.shutdown()
    return collect.spans


# --- the server's memory -------------------------------------------------------------------------------------


class RssSampler:
    """Peak resident memory of a process, sampled every 50 ms on a thread."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc = proc
        self.peak = proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the measurements ----------------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    spans: int
    e2e_s: float = 0.0
    raw_s: float = 0.0
    server_cpu_s: float = 0.0
    sender_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    rss_idle_mb: float = 0.0
    rss_e2e_mb: float = 0.0
    flood_sent: int = 0
    flood_refused: int = 0
    rss_flood_mb: float = 0.0
    notes: list[str] = field(default_factory=list)


def stored_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(spans_table)).scalar_one())


def send_all(base: str, batches: Sequence[Sequence[ReadableSpan]], senders: int) -> None:
    lock = threading.Lock()
    queue = list(reversed(batches))

    def worker() -> None:
        exporter = OTLPSpanExporter(endpoint=f"{base}/v1/traces", timeout=120)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    batch = queue.pop()
                if exporter.export(batch) is not SpanExportResult.SUCCESS:
                    raise RuntimeError("an export failed")
        finally:
            exporter.shutdown()

    with ThreadPoolExecutor(senders) as pool:
        for future in [pool.submit(worker) for _ in range(senders)]:
            future.result()


def _cpu_s(procs: Sequence[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += cpu_seconds(proc)
    return total


def _backends_cpu_s(engine: Engine) -> dict[int, float]:
    """CPU seconds of each Postgres backend serving this benchmark's database (other databases on the same
    server, e.g. a test run next door, are not counted)."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).scalars()
        return {pid: _cpu_s([psutil.Process(pid)]) for pid in pids if psutil.pid_exists(pid)}


def measure_e2e(
    result: Result, url: str, engine: Engine, batches: Sequence[Sequence[ReadableSpan]], senders: int
) -> None:
    with served(url, {"MLTRACE_MAX_PENDING_INGESTS": "8"}) as (base, proc):
        result.rss_idle_mb = proc.memory_info().rss / 2**20
        me = psutil.Process()
        server_before, sender_before, pg_before = _cpu_s([proc]), _cpu_s([me]), _backends_cpu_s(engine)
        with RssSampler(proc) as rss:
            start = time.perf_counter()
            send_all(base, batches, senders)
            while stored_count(engine) < result.spans:
                time.sleep(0.01)
            result.e2e_s = time.perf_counter() - start
        result.server_cpu_s = _cpu_s([proc]) - server_before
        result.sender_cpu_s = _cpu_s([me]) - sender_before
        # Backends that ended during the run are missed: a lower bound (the server's pool keeps its connections).
        pg_after = _backends_cpu_s(engine)
        result.postgres_cpu_s = sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items())
        result.rss_e2e_mb = rss.peak / 2**20


def measure_flood(result: Result, url: str, bodies: Sequence[bytes], senders: int, seconds: float) -> None:
    """Senders faster than the store: every request either stored (200) or refused (503), memory flat."""
    with served(url, {"MLTRACE_MAX_PENDING_INGESTS": "4"}) as (base, proc), RssSampler(proc) as rss:
        counts = {"sent": 0, "refused": 0}
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def worker(offset: int) -> None:
            with httpx.Client(timeout=120) as client:
                i = offset
                while time.monotonic() < stop_at:
                    body = bodies[i % len(bodies)]
                    i += senders
                    status = client.post(
                        f"{base}/v1/traces", content=body, headers={"Content-Type": "application/x-protobuf"}
                    ).status_code
                    if status not in (200, 503):
                        raise RuntimeError(f"unexpected status {status}")
                    with lock:
                        counts["sent"] += 1
                        counts["refused"] += status == 503

        with ThreadPoolExecutor(senders) as pool:
            for future in [pool.submit(worker, n) for n in range(senders)]:
                future.result()
        result.flood_sent, result.flood_refused = counts["sent"], counts["refused"]
    result.rss_flood_mb = rss.peak / 2**20


# --- the raw insert floor ------------------------------------------------------------------------------------

_SPAN_COLUMNS = (
    *("span_id", "trace_id", "parent_span_id", "name", "kind", "start_ns", "end_ns", "status_code"),
    *("status_message", "component", "service_name", "attributes", "events", "links", "resource", "scope"),
    "ingested_ns",
)
_IO_COLUMNS = ("span_id", "direction", "pointer", "component", "start_ns", "end_ns")


def raw_rows(record: SpanRecord, now: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    attrs = record.attributes
    component = attrs.get("mltrace.component")
    span = (
        record.span_id, record.trace_id, record.parent_span_id, record.name, record.kind, record.start_ns,
        record.end_ns, record.status_code, record.status_message, component, record.resource.get("service.name"),
        json.dumps(attrs), json.dumps([]), json.dumps([]), json.dumps(record.resource), json.dumps(record.scope), now,
    )  # fmt: skip
    io_rows = [
        (record.span_id, direction, pointer, component, record.start_ns, record.end_ns)
        for direction, key in (("in", "mltrace.inputs"), ("out", "mltrace.outputs"))
        for pointer in attrs.get(key) or []
    ]
    return span, io_rows


def raw_insert(engine: Engine, batches: Sequence[Sequence[SpanRecord]]) -> float:
    """Seconds to insert the batches' spans and IO rows with the bare driver, one transaction per batch."""
    now = time.time_ns()
    prepared = []
    for batch in batches:
        span_rows, io_rows = [], []
        for record in batch:
            span, ios = raw_rows(record, now)
            span_rows.append(span)
            io_rows.extend(ios)
        prepared.append((span_rows, io_rows))
    postgres = engine.dialect.name == "postgresql"
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for span_rows, io_rows in prepared:
            if postgres:
                cur.copy_expert(f"COPY spans ({', '.join(_SPAN_COLUMNS)}) FROM STDIN", _copy(span_rows))
                cur.copy_expert(f"COPY run_io ({', '.join(_IO_COLUMNS)}) FROM STDIN", _copy(io_rows))
            else:
                marks = ", ".join("?" * len(_SPAN_COLUMNS))
                cur.executemany(f"INSERT INTO spans ({', '.join(_SPAN_COLUMNS)}) VALUES ({marks})", span_rows)
                marks = ", ".join("?" * len(_IO_COLUMNS))
                cur.executemany(f"INSERT INTO run_io ({', '.join(_IO_COLUMNS)}) VALUES ({marks})", io_rows)
            raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start


def _copy(rows: list[tuple[Any, ...]]) -> io.StringIO:
    def field(value: Any) -> str:
        if value is None:
            return "\\N"
        text = str(value)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    return io.StringIO("".join("\t".join(map(field, row)) + "\n" for row in rows))


# --- main ----------------------------------------------------------------------------------------------------


def run(backend: str, spans: list[ReadableSpan], args: argparse.Namespace) -> Result:
    batches = [spans[i : i + BATCH] for i in range(0, len(spans), BATCH)]
    result = Result(backend, len(spans))
    with fresh_store(backend) as (url, engine):
        measure_e2e(result, url, engine, batches, args.senders)
    records = [[from_readable_span(s) for s in batch] for batch in batches]
    with fresh_store(backend) as (_, engine):
        result.raw_s = raw_insert(engine, records)
    bodies = [encode_spans(batch).SerializeToString() for batch in batches[:200]]
    with fresh_store(backend) as (url, _):
        measure_flood(result, url, bodies, args.flood_senders, args.flood_seconds)
    return result


def report(results: list[Result], args: argparse.Namespace) -> None:
    rows = []
    for r in results:
        e2e, raw = r.spans / r.e2e_s, r.spans / r.raw_s
        rows.append(
            [
                r.backend,
                f"{r.spans:,}",
                f"{e2e:,.0f}",
                f"{raw:,.0f}",
                f"{e2e / raw:.2f}",
                f"{r.server_cpu_s:.1f}",
                f"{r.server_cpu_s / r.spans * 1e6:.0f}",
                f"{r.sender_cpu_s:.1f}",
                f"{r.postgres_cpu_s:.1f}" if r.backend == "postgresql" else "-",
                f"{r.e2e_s:.1f}",
            ]
        )
    print_table(
        f"OTLP/HTTP ingest, official exporter, {args.senders} senders x batches of {BATCH} "
        f"(anchor: Arize Phoenix {PHOENIX_SPANS_PER_S} spans/s)",
        [
            *("store", "spans", "e2e spans/s", "raw insert spans/s", "e2e/raw", "server CPU s"),
            *("server CPU us/span", "sender CPU s", "postgres CPU s", "wall s"),
        ],
        rows,
    )
    print_table(
        f"Receiver memory: idle, during e2e, and under a {args.flood_senders}-sender flood for "
        f"{args.flood_seconds:.0f} s (admission limit 4)",
        ["store", "RSS idle MB", "peak RSS e2e MB", "peak RSS flood MB", "flood requests", "answered 503"],
        [
            [
                r.backend,
                f"{r.rss_idle_mb:.0f}",
                f"{r.rss_e2e_mb:.0f}",
                f"{r.rss_flood_mb:.0f}",
                f"{r.flood_sent:,}",
                f"{r.flood_refused:,}",
            ]
            for r in results
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--flood-senders", type=int, default=24)
    parser.add_argument("--flood-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    spans = pipeline_spans(args.spans)
    print(f"{len(spans):,} spans generated ({len(spans) // 9:,} pipelines of 9 spans)", flush=True)
    results = [run(backend, spans, args) for backend in args.backends.split(",")]
    report(results, args)


if __name__ == "__main__":
    main()
