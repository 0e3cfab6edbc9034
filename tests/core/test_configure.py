"""``configure``: one store processor per process however often called, joins the app's provider, extra exporters ride
alongside, flushes at exit, and ``OTEL_TRACES_EXPORTER=mltrace`` works with no mltrace code at all."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import mltrace_otel
from mltrace_otel import component_run
from mltrace_otel.store.engine import get_engine
from tests.core.conftest import Store
from tests.core.subprocesses import run_python


def test_configuring_twice_keeps_one_exporter_and_stores_each_span_once(store: Store) -> None:
    first = mltrace_otel.configure(store.url)
    second = mltrace_otel.configure(store.url)
    assert first is second
    with component_run("once"):
        pass
    store.runs()  # flushes
    status = mltrace_otel.export_status()
    assert (status.stored, status.duplicates, status.spooled) == (1, 0, 0)
    assert len(store.runs("once")) == 1


def test_a_new_database_url_re_points_the_store_after_flushing_pending_runs(store: Store, tmp_path: Path) -> None:
    with component_run("before_switch"):
        pass
    other = f"sqlite:///{tmp_path / 'other.db'}"
    mltrace_otel.configure(other)
    with component_run("after_switch"):
        pass
    mltrace_otel.flush()
    assert [r.component for r in store.runs()] == ["before_switch"]
    assert mltrace_otel.get_db_uri() == other
    with get_engine(other).connect() as conn:
        from mltrace_otel.queries.runs import recent_runs

        assert [r.component for r in recent_runs(conn).items] == ["after_switch"]


def test_extra_exporters_receive_the_same_spans_and_stop_with_shutdown(db_url: str) -> None:
    memory = InMemorySpanExporter()
    mltrace_otel.configure(db_url, exporters=[memory])
    mltrace_otel.configure(db_url, exporters=[memory])  # the same exporter is not added twice
    try:
        with component_run("shared", outputs=["x.csv"]):
            pass
        mltrace_otel.flush()
        (span,) = memory.get_finished_spans()
        assert span.attributes["mltrace.component"] == "shared"  # type: ignore[index]
        assert len(Store(db_url).runs("shared")) == 1
    finally:
        mltrace_otel.shutdown()
    assert mltrace_otel.flush() is True  # nothing configured: a no-op
    with component_run("after_shutdown"):  # configures again on first use, with the default store
        pass
    assert len(memory.get_finished_spans()) == 1
    mltrace_otel.shutdown()


def test_register_works_with_no_set_up_and_flushes_at_exit(db_url: str) -> None:
    run_python(
        """
        from mltrace_otel import register

        @register("auto", outputs=["auto.csv"])
        def step():
            return 1

        step()
        # no flush, no shutdown: the exit handler stores the pending run
        """,
        db_url,
    )
    (run,) = Store(db_url).runs("auto")
    assert str(run.resource.get("service.name")).startswith("unknown_service")


def test_service_name_is_set_when_mltrace_installs_the_provider(db_url: str) -> None:
    run_python(
        """
        import mltrace_otel
        mltrace_otel.configure(service_name="nightly-training")
        with mltrace_otel.component_run("named"):
            pass
        """,
        db_url,
    )
    assert Store(db_url).only_run("named").service_name == "nightly-training"


def test_configure_joins_the_applications_own_provider(db_url: str) -> None:
    done = run_python(
        """
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        import mltrace_otel

        app_exporter = InMemorySpanExporter()
        app_provider = TracerProvider(resource=Resource.create({"service.name": "the-app"}))
        app_provider.add_span_processor(SimpleSpanProcessor(app_exporter))
        trace.set_tracer_provider(app_provider)

        assert mltrace_otel.configure(service_name="ignored") is app_provider
        with trace.get_tracer("app").start_as_current_span("step", attributes={"mltrace.component": "step"}):
            pass
        mltrace_otel.flush()
        print(len(app_exporter.get_finished_spans()))
        """,
        db_url,
    )
    assert done.stdout.strip() == "1"  # the app's own exporter still gets its spans
    assert Store(db_url).only_run("step").service_name == "the-app"


def test_otel_traces_exporter_mltrace_selects_the_exporter_with_no_mltrace_code(db_url: str) -> None:
    # What `opentelemetry-instrument` does: the SDK's configurator reads OTEL_* variables and loads the exporter
    # from the entry point group opentelemetry_traces_exporter.
    run_python(
        """
        from opentelemetry import trace
        from opentelemetry.sdk._configuration import _OTelSDKConfigurator

        _OTelSDKConfigurator().configure()
        tracer = trace.get_tracer("plain")
        with tracer.start_as_current_span(
            "ingest", attributes={"mltrace.component": "ingest", "mltrace.outputs": ["raw.csv"]}
        ):
            pass
        clean = {"mltrace.component": "clean", "mltrace.inputs": ["raw.csv"]}
        with tracer.start_as_current_span("clean", attributes=clean):
            pass
        """,
        db_url,
        OTEL_TRACES_EXPORTER="mltrace",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        OTEL_SERVICE_NAME="env-configured",
    )
    store = Store(db_url)
    ingest, clean = store.only_run("ingest"), store.only_run("clean")
    assert clean.service_name == "env-configured"
    assert store.dependencies(clean.id) == {ingest.id}
