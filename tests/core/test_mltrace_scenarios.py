"""mltrace 0.17's example scenarios, written our way: its staleness example, a ready-made component with its
outlier test, ``auto_log`` over a chain of DataFrames, and its staleness warnings as runs are stored."""

# Locals that look unused are the point: register and the tests read their final values by name.
# ruff: noqa: F841

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import mltrace_otel as mltrace
from mltrace_otel import ComponentRun, ComponentTestFailure
from mltrace_otel.entities import components
from mltrace_otel.entities.tests import OutliersTest
from tests.core.conftest import Store


@mltrace.register(component_name="training", input_vars=["version"], output_vars=["model_file"])
def training(version: str) -> str:
    model_file = "model_" + version
    return model_file


@mltrace.register(component_name="inference", input_vars=["model_files"], output_vars=["identifier"])
def inference(model_files: list[str]) -> str:
    identifier = "".join(random.choice("abcdefghij") for _ in range(10))
    return identifier


def test_mltrace_s_stale_example_warns_and_explains(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    first_model = training("0")
    # A run that started two months ago and ended now, logged by hand.
    now = datetime.now(UTC)
    old = ComponentRun("some_old_component", start_timestamp=now - timedelta(days=61), end_timestamp=now)
    old.add_input("1")
    old.add_output("model_1")
    mltrace.log_component_run(old)
    training("2")  # training again: model_2, which inference below ignores
    with caplog.at_level(logging.WARNING, logger="mltrace_otel.stale"):
        identifier = inference([first_model, "model_1"])
        mltrace.flush()

    (run_id,) = [r.id for r in store.runs("inference")]
    info = mltrace.get_component_run_information(run_id)
    kinds = sorted((r.kind, r.dependency_id) for r in info.stale_reasons)
    first_training = store.runs("training")[0].id
    assert kinds == sorted([("newer_run", first_training), ("too_old", old.id)])
    assert any("61 days before this run started" in s for s in info.stale)
    assert any("training run" in s and "did not use it" in s for s in info.stale)
    # The warning mltrace printed when it committed the run, once the run is stored.
    warnings = [r.getMessage() for r in caplog.records if r.name == "mltrace_otel.stale"]
    assert [w for w in warnings if run_id in w] == [f"mltrace-otel: run {run_id} is stale: {'; '.join(info.stale)}"]


def test_a_stale_warning_waits_for_every_batch_handed_over_before_its_own(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Two writers may commit batches out of order; a run is judged only once the batches before it are stored,
    so whether the newer training run counts never depends on which writer won."""
    from mltrace_otel.delivery.delivery import Delivery

    first_model = training("0")
    training("2")
    inference([first_model])
    mltrace.flush()
    caplog.clear()  # the warning its own store gave: the one below comes from the calls below alone
    (run_id,) = [r.id for r in store.runs("inference")]
    delivery = Delivery(store.url, "memory", background=False)
    with caplog.at_level(logging.WARNING, logger="mltrace_otel.stale"):
        delivery._settle(1, [run_id])  # its batch committed first; the batch handed over before it has not
        assert [r for r in caplog.records if r.name == "mltrace_otel.stale"] == []
        delivery._settle(0, [])
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "mltrace_otel.stale"]
    assert run_id in warning and "is not the latest" in warning


def test_fresh_runs_and_plain_otel_spans_bring_no_warning(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    from opentelemetry import trace

    with caplog.at_level(logging.WARNING, logger="mltrace_otel.stale"):
        inference([training("7")])
        tracer = trace.get_tracer("someone-else")
        old = datetime.now(UTC) - timedelta(days=90)
        old_ns = int(old.timestamp() * 1e9)
        with tracer.start_as_current_span(
            "etl", attributes={"mltrace.component": "etl", "mltrace.outputs": ["x"]}, start_time=old_ns
        ) as span:
            pass
        span.end(end_time=old_ns + 1)
        with tracer.start_as_current_span("use", attributes={"mltrace.component": "use", "mltrace.inputs": ["x"]}):
            pass
        mltrace.flush()
    assert [r for r in caplog.records if r.name == "mltrace_otel.stale"] == []
    # Not warned about at store time, but stale all the same when asked.
    (use,) = store.runs("use")
    assert [r.kind for r in mltrace.get_component_run_information(use.id).stale_reasons] == ["too_old"]


def _frame(outlier: bool) -> pd.DataFrame:
    values = [1.0 + (i % 7) * 0.1 for i in range(200)]
    if outlier:
        values[17] = 1_000.0
    return pd.DataFrame({"rando": values})


def test_a_preprocessing_component_checks_its_output_for_outliers(store: Store) -> None:
    c = components.PreprocessingComponent(owner="aditi", description="tests output for outliers")
    assert (c.name, c.owner, c.afterTests) == ("Preprocessing", "aditi", [OutliersTest])

    @c.run(input_vars=["kind", "n"], output_vars=["test_output"])
    def gen_fake_data(kind: str, n: int = 200) -> str:
        df = _frame(outlier=kind == "spiky")
        test_output = f"{kind}-{n}.csv"
        return test_output

    assert gen_fake_data("calm") == "calm-200.csv"
    with pytest.raises(ComponentTestFailure, match=r"Outliers\.testZscore.*standard deviations"):
        gen_fake_data("spiky")
    calm, spiky = store.runs("Preprocessing")
    assert (calm.status_code, spiky.status_code) == ("UNSET", "ERROR")
    assert store.io(calm.id).inputs == ["200", "calm"] and store.io(calm.id).outputs == ["calm-200.csv"]
    assert [(t["test"], t["passed"]) for t in calm.test_results] == [("Outliers.testZscore", True)]
    info = mltrace.get_component_information("Preprocessing")
    assert (info.owner, info.description) == ("aditi", "tests output for outliers")


def test_the_outlier_test_reads_plain_lists_and_rows_too() -> None:
    test = OutliersTest()
    test.testZscore([1.0, 1.1, 0.9] * 20)
    test.testZscore([[1.0, 5.0], [1.1, 5.1], [0.9, 4.9]] * 20)
    with pytest.raises(AssertionError, match="1 value"):
        test.testZscore([1.0, 1.1, 0.9] * 20 + [500.0])
    with pytest.raises(AssertionError):
        test.runTests(df=_frame(outlier=True))


def test_run_s_extra_keywords_rename_values_for_tests_and_skip_phases(store: Store) -> None:
    c = components.PreprocessingComponent("me", name="renamed")

    @c.run(output_vars=["out"], df="frame")  # the tests' df is this function's frame
    def prepare() -> None:
        frame = _frame(outlier=True)
        out = "prepared.csv"

    with pytest.raises(ComponentTestFailure):
        prepare()

    @c.run(skip_after=True)
    def unchecked() -> None:
        frame = _frame(outlier=True)

    unchecked()
    assert [r.status_code for r in store.runs("renamed")] == ["ERROR", "UNSET"]

    with pytest.raises(ValueError, match="skip_before and skip_after cannot be arguments"):

        @c.run
        def clash(skip_before: bool) -> None:
            pass


def test_auto_log_over_a_chain_of_dataframes_as_mltrace_s_example(store: Store) -> None:
    @mltrace.register("test_auto_logging", auto_log=True)
    def create_data(arr: list[int]) -> pd.DataFrame:
        df = pd.DataFrame(arr)
        return df

    @mltrace.register("test_auto_logging", auto_log=True)
    def double_data(df: pd.DataFrame) -> pd.DataFrame:
        new_df = df * 2
        return new_df

    @mltrace.register("test_auto_logging", auto_log=True)
    def quadruple_data(df: pd.DataFrame) -> pd.DataFrame:
        new_df = df * 4
        mltrace.save(new_df)
        return new_df

    arr = list(range(200_000))  # larger than a megabyte: logged as data, as in mltrace's example
    quadruple_data(double_data(create_data(arr)))
    create, double, quadruple = store.runs("test_auto_logging")
    assert len(store.io(create.id).inputs) == 1  # arr
    assert store.dependencies(double.id) == {create.id}
    assert store.dependencies(quadruple.id) == {double.id}
    (final,) = store.io(quadruple.id).outputs  # new_df, saved once although both save() and auto_log name it
    trace = mltrace.backtrace(final)
    assert [run.id for _, run in trace] == [quadruple.id, double.id, create.id]
