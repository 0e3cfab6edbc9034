"""The exporter when the database is away: FAILURE, logged once per outage, counted, bounded retries, and the
pipeline neither blocks nor crashes. When the database is merely slow or locked, nothing is lost."""

from __future__ import annotations

import logging
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, make_url, text

import mltrace_otel
from mltrace_otel import component_run
from mltrace_otel.exporter import MltraceSpanExporter
from mltrace_otel.instrument.configure import exporter as configured_exporter
from tests.conftest import pg_url
from tests.core.conftest import Store

ERRORS_LOGGER = "mltrace_otel.exporter"


def finished_spans(n: int, component: str = "job") -> list[ReadableSpan]:
    """Real SDK spans, ended, from a private provider (the global one stays untouched)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test")
    for i in range(n):
        with tracer.start_as_current_span(component, attributes={"mltrace.component": component}) as span:
            span.set_attribute("mltrace.outputs", [f"{component}-{i}.csv"])
    provider.shutdown()
    return list(memory.get_finished_spans())


@pytest.fixture(params=["sqlite", "postgresql"])
def broken_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """(an address that cannot be stored to yet, a function that makes it work)."""
    from mltrace_otel.store.engine import dispose_engines

    if request.param == "sqlite":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file where the store's directory should be")
        yield f"sqlite:///{blocker / 'mltrace.db'}", blocker.unlink
        dispose_engines()
        return
    request.getfixturevalue("pg_server")
    name = f"mltrace_later_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        yield pg_url(name), create
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ERRORS_LOGGER and r.levelno >= logging.ERROR]


def test_an_unreachable_store_fails_the_export_logs_once_counts_and_recovers(
    broken_store: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, repair = broken_store
    exporter = MltraceSpanExporter(url, max_attempts=2, retry_delay_s=0)
    caplog.set_level(logging.WARNING, logger=ERRORS_LOGGER)
    assert exporter.export(finished_spans(3)) is SpanExportResult.FAILURE
    assert exporter.export(finished_spans(4)) is SpanExportResult.FAILURE
    assert exporter.failed_spans == 7 and exporter.stored_spans == 0
    (error,) = _errors(caplog)  # once per outage, not once per batch
    assert "could not store 3 spans after 2 attempts" in error.getMessage()
    assert "The pipeline keeps running" in error.getMessage()

    repair()
    assert exporter.export(finished_spans(5)) is SpanExportResult.SUCCESS
    assert exporter.stored_spans == 5 and exporter.failed_spans == 7
    assert any("storing spans again (7 spans were lost before)" in r.getMessage() for r in caplog.records)
    assert len(_errors(caplog)) == 1


def test_a_pipeline_with_an_unreachable_store_runs_to_the_end(
    broken_store: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, _ = broken_store
    mltrace_otel.configure(url)
    try:
        exporter = configured_exporter()
        assert exporter is not None
        exporter.retry_delay_s = 0
        results = []
        for i in range(20):
            with component_run("resilient", outputs=[f"out-{i}.csv"]):
                results.append(i)
        assert results == list(range(20))  # every step ran; none raised
        assert mltrace_otel.flush() is True  # the processor finished; the spans could not be stored
        assert exporter.failed_spans == 20 and exporter.stored_spans == 0
        assert len(_errors(caplog)) == 1
    finally:
        mltrace_otel.shutdown()


class RefusingServer:
    """A TCP server that accepts each connection and closes it at once; counts the attempts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


def test_retries_are_bounded_per_batch() -> None:
    server = RefusingServer()
    try:
        url = f"postgresql://u@127.0.0.1:{server.port}/db?sslmode=disable&gssencmode=disable"
        exporter = MltraceSpanExporter(url, max_attempts=3, retry_delay_s=0)
        assert exporter.export(finished_spans(2)) is SpanExportResult.FAILURE
        assert server.connections == 3
        assert exporter.export(finished_spans(2)) is SpanExportResult.FAILURE
        assert server.connections == 6
        assert exporter.failed_spans == 4
    finally:
        server.close()


def test_export_after_shutdown_fails_without_touching_the_store(tmp_path: Path) -> None:
    exporter = MltraceSpanExporter(f"sqlite:///{tmp_path / 'never.db'}")
    exporter.shutdown()
    assert exporter.export(finished_spans(1)) is SpanExportResult.FAILURE
    assert not (tmp_path / "never.db").exists()
    assert exporter.force_flush() is True


def test_duplicates_and_rejects_are_counted(db_url: str) -> None:
    exporter = MltraceSpanExporter(db_url)
    spans = finished_spans(3)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    assert exporter.export(spans[:2]) is SpanExportResult.SUCCESS
    assert (exporter.stored_spans, exporter.duplicate_spans, exporter.failed_spans) == (3, 2, 0)


def _hold_write_lock(db_url: str) -> Callable[[], None]:
    """Another process's long write transaction on the store; returns the function that ends it."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        raw = sqlite3.connect(str(url.database), isolation_level=None)
        raw.execute("BEGIN EXCLUSIVE")

        def release_file() -> None:
            raw.execute("COMMIT")
            raw.close()

        return release_file
    engine = create_engine(db_url)
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text("LOCK TABLE spans, run_io IN ACCESS EXCLUSIVE MODE"))

    def release() -> None:
        trans.commit()
        conn.close()
        engine.dispose()

    return release


def test_a_locked_store_never_blocks_the_pipeline_and_loses_nothing(store: Store) -> None:
    store.engine  # migrated before the lock is taken  # noqa: B018
    release = _hold_write_lock(store.url)
    flushed = threading.Event()

    def pipeline() -> None:
        for i in range(200):
            with component_run("while_locked", inputs=["first.csv"], outputs=[f"locked-{i}.csv"]):
                pass

    try:
        with component_run("first", outputs=["first.csv"]):
            pass
        # Another thread waits for the store (as the exporter's worker does); the pipeline goes on meanwhile.
        waiter = threading.Thread(target=lambda: (mltrace_otel.flush(), flushed.set()), daemon=True)
        waiter.start()
        steps = threading.Thread(target=pipeline, daemon=True)
        steps.start()
        steps.join(60)  # a guard against hanging forever, not a speed check
        assert not steps.is_alive(), "the pipeline waited for the locked store"
        assert not flushed.is_set()  # the store is still locked: the export is pending, the pipeline is done
        exporter = configured_exporter()
        assert exporter is not None and exporter.stored_spans == 0 and exporter.failed_spans == 0
    finally:
        release()
    assert flushed.wait(60)
    assert len(store.runs("while_locked")) == 200
    assert len(store.runs("first")) == 1
    assert exporter.failed_spans == 0


def test_the_entry_point_names_this_exporter() -> None:
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="opentelemetry_traces_exporter", name="mltrace")
    assert entry.load() is MltraceSpanExporter


def test_a_burst_larger_than_one_export_chunk_is_stored_whole_with_every_edge(store: Store) -> None:
    # One BatchSpanProcessor batch of 3,000 runs: the exporter cuts it into chunks stored side by side; a run
    # and its producer often land in different chunks, committed in either order.
    ids = []
    for i in range(3_000):
        with component_run("chain", inputs=[f"link-{i - 1}"] if i else [], outputs=[f"link-{i}"]) as run:
            ids.append(run.id)
    runs = store.runs("chain")
    assert len(runs) == 3_000
    with store.connect() as conn:
        from mltrace_otel.queries.linked_runs import dependencies_of

        deps = dependencies_of(conn, ids)
    assert deps[ids[0]] == []
    assert all([e.producer_id for e in deps[ids[i]]] == [ids[i - 1]] for i in range(1, 3_000))
    exporter = configured_exporter()
    assert exporter is not None and exporter.failed_spans == 0 and exporter.stored_spans == 3_000
