"""The experiment behind the spool's design (issue 10): what making one ended span durable costs the caller.

    python -m benchmarks.spool_design

Candidates, each timed as CPU time of the calling thread per span, for the span a ``@register`` run ends with:
serialisation (marshal, pickle, JSON) of its fields, and persistence of the bytes (an INSERT into a SQLite spool
in WAL mode, a ``write()`` to an append-only file, a copy into a memory-mapped preallocated file). The spool uses
the cheapest durable pair (marshal + the mapped file); see mltrace_otel/delivery/spool.py.
"""

from __future__ import annotations

import json
import marshal
import mmap
import os
import pickle
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

import mltrace_otel
from benchmarks.table import print_table
from mltrace_otel.delivery.codec import Definitions, encode_span


class _Keep(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def _us(fn: Callable[[], object], calls: int = 20_000, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            fn()
        samples.append((time.thread_time() - start) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mltrace-spool-design-") as tmp:
        os.environ["MLTRACE_HOME"] = tmp
        provider = mltrace_otel.configure(f"sqlite:///{tmp}/design.db", durability="memory")
        keep = _Keep()
        provider.add_span_processor(keep)

        @mltrace_otel.register("train", inputs=["features.csv"], outputs=["model.pkl"])
        def train() -> int:
            return 1

        train()
        span = keep.spans[-1]
        fields = (span.context.trace_id, span.context.span_id, span.name, span.start_time, span.end_time,
                  dict(span.attributes or {}))  # fmt: skip
        encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        serialisers: dict[str, Callable[[], bytes]] = {
            "serialise: marshal": lambda: marshal.dumps(fields),
            "serialise: pickle (protocol 5)": lambda: pickle.dumps(fields, 5),
            "serialise: JSON": lambda: encode_json(fields).encode(),
        }
        rows: list[list[object]] = [[name, f"{_us(fn):.2f}", len(fn())] for name, fn in serialisers.items()]
        data = marshal.dumps(fields)
        for synchronous in ("OFF", "NORMAL"):
            conn = sqlite3.connect(f"{tmp}/spool-{synchronous}.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.execute("CREATE TABLE spool (id INTEGER PRIMARY KEY, data BLOB)")
            insert = conn.execute
            cost = _us(lambda insert=insert: insert("INSERT INTO spool (data) VALUES (?)", (data,)), calls=5_000)
            rows.append([f"persist: SQLite WAL insert, synchronous={synchronous}", f"{cost:.2f}", ""])
            conn.close()
        fd = os.open(f"{tmp}/appended", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        rows.append(["persist: write() to an O_APPEND file", f"{_us(lambda: os.write(fd, data)):.2f}", ""])
        os.close(fd)
        size = 64 << 20
        mapped_fd = os.open(f"{tmp}/mapped", os.O_RDWR | os.O_CREAT, 0o600)
        os.posix_fallocate(mapped_fd, 0, size)
        mapped = mmap.mmap(mapped_fd, size)
        position = [0]

        def copy() -> None:
            at = position[0] if position[0] + len(data) < size else 0
            mapped[at : at + len(data)] = data
            position[0] = at + len(data)

        rows.append(["persist: copy into a mapped, preallocated file", f"{_us(copy):.2f}", ""])
        mapped.close()
        os.close(mapped_fd)
        defs = Definitions()
        encoded = _us(lambda: encode_span(span, defs, []))
        rows.append(["the spool's encode_span (all fields, framed, CRC)", f"{encoded:.2f}", ""])
        mltrace_otel.shutdown()
    print_table("Making one ended span durable, caller-thread CPU", ["step", "us/span", "bytes"], rows)


if __name__ == "__main__":
    main()
