"""A run that raises is stored as failed, with the exception, and the exception still reaches the caller."""

# Locals that look unused are the point: @register reads their final values by name.
# ruff: noqa: F841

from __future__ import annotations

import pytest

from mltrace_otel import Component, component_run, register
from tests.core.conftest import Store


class Boom(RuntimeError):
    pass


def _exception_events(events: list[dict]) -> list[dict]:
    return [e for e in events if e["name"] == "exception"]


def test_a_decorated_run_that_raises_is_stored_as_error_and_reraises(store: Store) -> None:
    @register("fragile", input_vars=["source"], output_vars=["target"])
    def fragile(source: str) -> None:
        target = "half-written.csv"
        raise Boom("disk full")

    with pytest.raises(Boom, match="disk full"):
        fragile("in.csv")
    run = store.only_run("fragile")
    assert run.status_code == "ERROR"
    assert "disk full" in (run.status_message or "")
    (event,) = _exception_events(run.events)
    assert event["attributes"]["exception.type"].endswith("Boom")
    assert "disk full" in event["attributes"]["exception.message"]
    assert "Traceback" in event["attributes"]["exception.stacktrace"]
    # What the run read and wrote before failing is kept: it may have left a partial output behind.
    assert store.io(run.id).inputs == ["in.csv"]
    assert store.io(run.id).outputs == ["half-written.csv"]


def test_a_context_manager_run_that_raises_is_stored_as_error(store: Store) -> None:
    with pytest.raises(KeyError), component_run("lookup", inputs=["table.csv"]) as run:
        run.add_output("partial.csv")
        raise KeyError("missing column")
    stored = store.only_run("lookup")
    assert stored.status_code == "ERROR"
    assert store.io(stored.id).outputs == ["partial.csv"]
    assert len(_exception_events(stored.events)) == 1


def test_a_component_run_that_raises_is_stored_as_error(store: Store) -> None:
    component = Component("predict", owner="ml")

    @component.run
    def predict() -> None:
        raise Boom("model missing")

    with pytest.raises(Boom):
        predict()
    assert store.only_run("predict").status_code == "ERROR"


def test_keyboard_interrupt_is_recorded_and_propagates(store: Store) -> None:
    @register("interrupted")
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert store.only_run("interrupted").status_code == "ERROR"


def test_a_failed_run_still_counts_as_a_producer_and_its_consumers_see_it_failed(store: Store) -> None:
    @register("ingest", outputs=["raw.csv"])
    def ingest() -> None:
        raise Boom("network")

    @register("clean", inputs=["raw.csv"])
    def clean() -> None:
        pass

    with pytest.raises(Boom):
        ingest()
    clean()
    failed = store.only_run("ingest")
    assert failed.failed
    assert store.dependencies(store.only_run("clean").id) == {failed.id}


def test_successful_runs_after_a_failure_are_unaffected(store: Store) -> None:
    @register("flaky")
    def flaky(fail: bool) -> None:
        if fail:
            raise Boom("once")

    with pytest.raises(Boom):
        flaky(True)
    flaky(False)
    statuses = [r.status_code for r in store.runs("flaky")]
    assert statuses == ["ERROR", "UNSET"]


def test_sys_exit_with_an_error_code_fails_the_run_but_exit_zero_does_not(store: Store) -> None:
    @register("cli_step")
    def cli_step(code: int) -> None:
        raise SystemExit(code)

    with pytest.raises(SystemExit):
        cli_step(2)
    with pytest.raises(SystemExit):
        cli_step(0)
    assert [r.status_code for r in store.runs("cli_step")] == ["ERROR", "UNSET"]
