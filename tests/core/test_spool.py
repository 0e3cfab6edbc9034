"""The spool on its own: frames read back as the spans that were written, a torn or corrupt segment is read up to
its damage and says so, a live process's segment is never taken over, a forked child spools on its own, and the
memory durability counts what it drops."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, StatusCode

import mltrace_otel
from mltrace_otel.config import ConfigError, durability, exit_timeout_s
from mltrace_otel.delivery.codec import FRAME, SPAN_TYPE, Decoder, Definitions, encode_span
from mltrace_otel.delivery.delivery import Delivery
from mltrace_otel.delivery.spool import scan, segment_paths
from mltrace_otel.span_record import from_readable_span
from tests.core.conftest import Store


def _spans(n: int, *, source: str = "def step():\n    return 1\n" * 20) -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "spooled", "host.id": 7}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("spool-test", "1.2")
    with tracer.start_as_current_span("root", kind=SpanKind.SERVER) as root:
        for i in range(n):
            attrs = {
                "mltrace.component": "step",
                "mltrace.outputs": [f"out-{i}.csv"],
                "mltrace.code.snapshot": source,
                "float": 1.5,
                "flags": (True, False),
            }
            with tracer.start_as_current_span(
                "step", attributes=attrs, links=[Link(root.get_span_context(), {"why": "because"})]
            ) as span:
                span.add_event("checkpoint", {"epoch": i})
                if i % 2:
                    span.set_status(StatusCode.ERROR, "odd one")
    provider.shutdown()
    return list(memory.get_finished_spans())


def _decode(frames: list[bytes]) -> list[object]:
    decoder = Decoder()
    records = []
    for frame in frames:
        body = frame[FRAME.size :]
        if body[0] == SPAN_TYPE:
            records.append(decoder.span(body))
        else:
            decoder.define(body[0], body)
    return records


def test_a_spooled_span_reads_back_as_the_record_the_sdk_span_gives() -> None:
    spans = _spans(3)
    defs = Definitions()
    frames: list[bytes] = []
    for span in spans:
        encode_span(span, defs, frames)
    # The resource, the scope and the (long, shared) code snapshot are written once, not once per span.
    assert len(frames) == len(spans) + 3
    assert _decode(frames) == [from_readable_span(s) for s in spans]


def test_a_nested_mapping_attribute_is_kept_as_json() -> None:
    provider = TracerProvider()
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with provider.get_tracer("t").start_as_current_span("nested") as span:
        span.set_attribute("config", {"lr": 0.1, "layers": [1, 2]})  # type: ignore[arg-type]
    (finished,) = memory.get_finished_spans()
    frames: list[bytes] = []
    encode_span(finished, Definitions(), frames)
    (record,) = _decode(frames)
    assert record == from_readable_span(finished)


def _spool_then_die(url: str) -> Delivery:
    """A delivery that spooled 10 spans and whose process 'died': its map and descriptor are simply dropped (the
    segment keeps its reserved, zero-filled tail), so its lock is free and nothing was stored."""
    dead = Delivery(url, "spool", background=False)
    for span in _spans(10):
        dead.append(span)
    assert dead.writer is not None and dead.writer.mapped is not None
    dead.writer.mapped.close()
    for segment in dead.writer.new_segments:
        os.close(segment.fd)
    return dead


def test_a_frame_never_completed_by_a_dead_process_is_not_there_and_the_rest_is_stored(db_url: str) -> None:
    store = Store(db_url)  # not configured: no drainer of this process races the test for orphans
    dead = _spool_then_die(store.url)
    assert dead.directory is not None and dead.writer is not None
    (path,) = segment_paths(dead.directory)
    # What a SIGKILL in the middle of an append leaves: the next frame's body copied, its header not yet.
    frames: list[bytes] = []
    encode_span(_spans(1)[0], Definitions(), frames)
    with path.open("r+b") as segment:
        segment.seek(dead.writer.position + FRAME.size)
        segment.write(frames[-1][FRAME.size :])
    later = Delivery(store.url, "spool", background=False)
    assert later.drain_orphans(30) is True
    status = later.status()
    assert (status.adopted, status.stored, status.reasons) == (11, 11, ())  # 10 steps and their root span
    assert len(store.runs("step")) == 10
    assert segment_paths(dead.directory) == []  # drained segments are deleted


def test_a_corrupt_record_stops_reading_that_segment_and_says_so(db_url: str) -> None:
    store = Store(db_url)  # not configured: no drainer of this process races the test for orphans
    dead = _spool_then_die(store.url)
    assert dead.directory is not None and dead.writer is not None
    (path,) = segment_paths(dead.directory)
    written = dead.writer.position
    data = bytearray(path.read_bytes())
    data[written // 2] ^= 0xFF  # one flipped byte in the middle of the records
    path.write_bytes(bytes(data))
    later = Delivery(store.url, "spool", background=False)
    later.drain_orphans(30)
    status = later.status()
    assert 0 < status.stored < 11
    assert any("checksum is wrong" in r.reason for r in status.reasons)
    assert segment_paths(dead.directory) == []  # done with: what could be read was stored
    damaged = path.with_suffix(".damaged").read_bytes()  # what could not be read is kept, for whoever looks
    assert damaged and damaged in bytes(data[:written]) and len(damaged) < written


def test_a_segment_of_a_live_process_is_never_taken_over(db_url: str) -> None:
    store = Store(db_url)  # not configured: no drainer of this process races the test for orphans
    alive = Delivery(store.url, "spool", background=False)  # spooled, not stored yet
    for span in _spans(4):
        alive.append(span)
    assert alive.directory is not None
    (info,) = scan(alive.directory)
    assert info.alive and info.pid == os.getpid() and info.spans_pending == 5
    other = Delivery(store.url, "spool", background=False)
    assert other.drain_orphans(10) is True
    assert other.status().adopted == 0 and store.runs("step") == []
    alive.close(0)  # the process 'ends': its lock goes with it
    assert alive.writer is not None
    for segment in alive.writer.new_segments:
        segment.close(delete=False)
    third = Delivery(store.url, "spool", background=False)
    assert third.drain_orphans(30) is True
    assert third.status().adopted == 5 and len(store.runs("step")) == 4


def test_a_forked_child_spools_on_its_own_and_nothing_is_lost(store: Store) -> None:
    with mltrace_otel.component_run("parent", outputs=["p.csv"]):
        pass
    pid = os.fork()
    if pid == 0:  # the child: one run, then the harshest end (no exit handler, no flush)
        with mltrace_otel.component_run("child", inputs=["p.csv"]):
            pass
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0
    assert mltrace_otel.flush() is True
    deadline = time.monotonic() + 60  # the parent's drainer adopts the child's segment on its next scan
    while not store.runs("child") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(store.runs("child")) == 1 and len(store.runs("parent")) == 1
    assert store.dependencies(store.only_run("child").id) == {store.only_run("parent").id}


def test_memory_durability_drops_the_oldest_when_full_and_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("the store cannot be created here")
    delivery = Delivery(f"sqlite:///{blocker / 'store.db'}", "memory", memory_limit=5, background=False)
    try:
        for span in _spans(7):  # 7 steps + their root: 8 spans into a queue of 5
            delivery.append(span)
        assert delivery.flush(0.5) is False
        status = delivery.status()
        assert (status.durability, status.dropped, status.spool_dir) == ("memory", 3, None)
        assert any("in-memory queue was full" in r.reason for r in status.reasons)
    finally:
        delivery.close(0)
    status = delivery.status()
    assert status.dropped == 8  # the other five were lost at exit, counted too
    assert status.state == "stopped"


def test_an_unwritable_spool_falls_back_to_memory_and_says_so(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="mltrace_otel.delivery")
    delivery = Delivery(db_url, "spool")
    assert delivery.directory is not None and delivery.writer is not None
    moved = delivery.directory.with_name("moved-away")
    try:
        spans = _spans(2)
        delivery.append(spans[0])
        with delivery.writer.lock:
            delivery.writer.seal()  # the next span needs a new segment...
        delivery.directory.rename(moved)
        delivery.directory.write_text("...where the spool's directory is no more")
        delivery.append(spans[1])  # ...which cannot be created: the span waits in memory instead
        assert any("cannot write the spool" in r.getMessage() for r in caplog.records)
        assert delivery.flush(30) is True
        assert delivery.status().stored == 2
    finally:
        delivery.close(5)
        delivery.directory.unlink()
        moved.rename(delivery.directory)


def test_durability_and_exit_timeout_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert durability() == "spool"
    monkeypatch.setenv("MLTRACE_DURABILITY", "disk")
    with pytest.raises(ConfigError, match="MLTRACE_DURABILITY='disk' is not one of spool, memory"):
        durability()
    with pytest.raises(ConfigError, match="durability='fast'"):
        mltrace_otel.configure(durability="fast")
    assert exit_timeout_s() == 5.0
    monkeypatch.setenv("MLTRACE_EXIT_TIMEOUT_S", "soon")
    with pytest.raises(ConfigError, match="MLTRACE_EXIT_TIMEOUT_S='soon' is not a number"):
        exit_timeout_s()
    monkeypatch.setenv("MLTRACE_EXIT_TIMEOUT_S", "0.5")
    assert exit_timeout_s() == 0.5
