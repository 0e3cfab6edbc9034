"""The store while it is away, locked or refusing spans: nothing is lost, the pipeline never blocks or crashes,
and what happened is told (flush's answer, export_status(), one log line per outage, one per rejected span).
``MltraceSpanExporter`` (for OTEL_TRACES_EXPORTER=mltrace) goes through the same delivery as ``configure()``."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
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
from tests.core.conftest import Store

DELIVERY_LOGGER = "mltrace_otel.delivery"


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
    yield request.getfixturevalue("later_pg_database")


def _records(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == DELIVERY_LOGGER and r.levelno >= level]


def test_an_unreachable_store_spools_says_so_once_and_stores_everything_when_it_comes_back(
    broken_store: tuple[str, Callable[[], None]], caplog: pytest.LogCaptureFixture
) -> None:
    url, repair = broken_store
    caplog.set_level(logging.INFO, logger=DELIVERY_LOGGER)
    mltrace_otel.configure(url)
    try:
        for i in range(20):
            with component_run("resilient", outputs=[f"out-{i}.csv"]):
                pass
        assert mltrace_otel.flush(1_000) is False  # not stored: the store is away
        status = mltrace_otel.export_status()
        assert status.state == "store unreachable, spooling"
        assert (status.spooled, status.stored, status.rejected, status.dropped) == (20, 0, 0, 0)
        assert status.last_error and status.oldest_unsent_age_s is not None
        (warning,) = [r for r in _records(caplog) if "store unreachable" in r.getMessage()]  # once per outage
        assert "store unreachable, spooling" in warning.getMessage()
        assert re.search(r"\d+ spans wait in the spool .* are stored when it is back", warning.getMessage())
        assert not any("rejected" in r.getMessage() for r in _records(caplog))

        repair()
        assert mltrace_otel.flush(30_000) is True
        status = mltrace_otel.export_status()
        assert (status.spooled, status.stored, status.state, status.last_error) == (0, 20, "idle", None)
        assert any("store reachable again" in r.getMessage() for r in _records(caplog))
    finally:
        mltrace_otel.shutdown()
    assert len(Store(url).runs("resilient")) == 20


def test_the_exporter_returns_success_once_spans_are_spooled_and_flushes_to_the_store(
    broken_store: tuple[str, Callable[[], None]],
) -> None:
    url, repair = broken_store
    exporter = MltraceSpanExporter(url)
    try:
        assert exporter.export(finished_spans(3)) is SpanExportResult.SUCCESS  # durable in the spool
        assert exporter.export(finished_spans(4)) is SpanExportResult.SUCCESS
        assert exporter.force_flush(500) is False
        status = exporter.status()
        assert status is not None and (status.spooled, status.stored) == (7, 0)
        repair()
        assert exporter.force_flush(30_000) is True
        status = exporter.status()
        assert status is not None and (status.spooled, status.stored) == (0, 7)
    finally:
        exporter.shutdown()


def test_export_after_shutdown_fails_without_touching_the_store(tmp_path: Path) -> None:
    exporter = MltraceSpanExporter(f"sqlite:///{tmp_path / 'never.db'}")
    exporter.shutdown()
    assert exporter.export(finished_spans(1)) is SpanExportResult.FAILURE
    assert not (tmp_path / "never.db").exists()
    assert exporter.force_flush() is True  # nothing was ever handed over


def test_duplicates_are_counted_as_stored(db_url: str) -> None:
    exporter = MltraceSpanExporter(db_url)
    spans = finished_spans(3)
    try:
        assert exporter.export(spans) is SpanExportResult.SUCCESS
        assert exporter.force_flush() is True
        assert exporter.export(spans[:2]) is SpanExportResult.SUCCESS
        assert exporter.force_flush() is True
        status = exporter.status()
        assert status is not None and (status.stored, status.duplicates, status.conflicts) == (3, 2, 0)
    finally:
        exporter.shutdown()


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
        # Another thread waits for the store; the pipeline goes on meanwhile.
        waiter = threading.Thread(target=lambda: (mltrace_otel.flush(), flushed.set()), daemon=True)
        waiter.start()
        steps = threading.Thread(target=pipeline, daemon=True)
        steps.start()
        steps.join(60)  # a guard against hanging forever, not a speed check
        assert not steps.is_alive(), "the pipeline waited for the locked store"
        assert not flushed.is_set()  # the store is still locked: the spans wait, the pipeline is done
        status = mltrace_otel.export_status()
        assert (status.stored, status.rejected, status.dropped) == (0, 0, 0)
    finally:
        release()
    assert flushed.wait(60)
    assert len(store.runs("while_locked")) == 200
    assert len(store.runs("first")) == 1
    status = mltrace_otel.export_status()
    assert (status.stored, status.spooled, status.rejected) == (201, 0, 0)


def test_the_entry_point_names_this_exporter() -> None:
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="opentelemetry_traces_exporter", name="mltrace")
    assert entry.load() is MltraceSpanExporter


def test_a_burst_larger_than_one_batch_is_stored_whole_with_every_edge(store: Store) -> None:
    # Several of the drainer's batches: a run and its producer often land in different transactions.
    ids = []
    for i in range(5_000):
        with component_run("chain", inputs=[f"link-{i - 1}"] if i else [], outputs=[f"link-{i}"]) as run:
            ids.append(run.id)
    runs = store.runs("chain")
    assert len(runs) == 5_000
    with store.connect() as conn:
        from mltrace_otel.queries.linked_runs import dependencies_of

        deps = dependencies_of(conn, ids)
    assert deps[ids[0]] == []
    assert all([e.producer_id for e in deps[ids[i]]] == [ids[i - 1]] for i in range(1, 5_000))
    status = mltrace_otel.export_status()
    assert (status.stored, status.spooled, status.rejected, status.dropped) == (5_000, 0, 0, 0)
