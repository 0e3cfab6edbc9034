"""``@register``: mltrace 0.17's decorator, one run per call, with its rules for named variables."""

# Locals that look unused are the point: @register reads their final values by name.
# ruff: noqa: F841

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mltrace_otel import register
from tests.core.conftest import Store


def test_each_call_is_one_run_with_static_inputs_and_outputs(store: Store) -> None:
    @register("etl", inputs=["raw.csv"], outputs=["clean.csv"])
    def etl() -> int:
        return 7

    assert etl() == 7
    assert etl() == 7
    runs = store.runs("etl")
    assert len(runs) == 2
    assert runs[0].id != runs[1].id
    for run in runs:
        assert store.io(run.id).inputs == ["raw.csv"]
        assert store.io(run.id).outputs == ["clean.csv"]
        assert run.status_code != "ERROR"


def test_named_locals_become_pointers_by_their_final_values(store: Store) -> None:
    @register("clean", input_vars=["source"], output_vars=["target"])
    def clean(day: str) -> None:
        source = f"raw/{day}.csv"
        target = "scratch"
        target = f"clean/{day}.csv"  # the final value counts, as in mltrace

    clean("2024-01-01")
    run = store.only_run("clean")
    assert store.io(run.id).inputs == ["raw/2024-01-01.csv"]
    assert store.io(run.id).outputs == ["clean/2024-01-01.csv"]


def test_arguments_and_the_return_value_can_be_named(store: Store) -> None:
    @register("train", input_vars=["features_path"], output_vars=["return"])
    def train(features_path: str, epochs: int = 3) -> str:
        return f"model-{epochs}.pkl"

    assert train("features.parquet", epochs=5) == "model-5.pkl"
    run = store.only_run("train")
    assert store.io(run.id).inputs == ["features.parquet"]
    assert store.io(run.id).outputs == ["model-5.pkl"]


def test_a_list_is_one_pointer_per_element_and_none_is_skipped(store: Store) -> None:
    @register("split", input_vars=["source", "nothing"], output_vars=["parts"])
    def split(source: str) -> None:
        nothing = None
        parts = ["part-0.csv", "part-1.csv", None, "part-2.csv"]

    split("all.csv")
    run = store.only_run("split")
    assert store.io(run.id).inputs == ["all.csv"]
    assert sorted(store.io(run.id).outputs) == ["part-0.csv", "part-1.csv", "part-2.csv"]


def test_non_string_values_become_their_text(store: Store, tmp_path: Path) -> None:
    @register("export", output_vars=["target", "version"])
    def export() -> None:
        target = tmp_path / "out.csv"
        version = 42

    export()
    run = store.only_run("export")
    assert sorted(store.io(run.id).outputs) == sorted([str(tmp_path / "out.csv"), "42"])


def test_an_unknown_variable_name_is_a_value_error_that_names_it(store: Store) -> None:
    @register("typo", output_vars=["modle_path"])
    def typo() -> None:
        model_path = "model.pkl"

    with pytest.raises(ValueError, match=r"'modle_path'.*known names: model_path"):
        typo()
    # The run is still recorded, and it is marked failed rather than lost.
    assert store.only_run("typo").status_code == "ERROR"


def test_input_and_output_kwargs_name_variables_too(store: Store) -> None:
    @register("score", input_kwargs={"data": "data"}, output_kwargs={"report": "report"})
    def score(data: str) -> None:
        report = "report.json"

    score(data="holdout.csv")
    run = store.only_run("score")
    assert store.io(run.id).inputs == ["holdout.csv"]
    assert store.io(run.id).outputs == ["report.json"]


def test_metadata_code_and_function_are_captured(store: Store) -> None:
    @register("featuregen", tags=["features", "daily"], description="makes features", owner="ml-team")
    def featuregen() -> None:
        pass

    featuregen()
    run = store.only_run("featuregen")
    assert run.attributes["code.function.name"].endswith("featuregen")
    assert run.attributes["code.file.path"] == __file__
    with store.connect() as conn:
        from mltrace_otel.queries.details import run_details
        from mltrace_otel.queries.runs import get_run

        details = run_details(conn, [get_run(conn, run.id)])[run.id]
        from mltrace_otel.queries.components import get_component

        component = get_component(conn, "featuregen")
    assert details.code_snapshot is not None and "def featuregen" in details.code_snapshot
    assert component.owner == "ml-team"
    assert component.description == "makes features"
    assert component.tags == ["daily", "features"]
    # This repository is a git checkout: the commit is recorded.
    assert run.git_hash is not None and len(run.git_hash) == 40


def test_nested_decorated_calls_are_separate_runs_with_a_parent(store: Store) -> None:
    @register("inner", outputs=["inner.csv"])
    def inner() -> None:
        pass

    @register("outer", inputs=["inner.csv"])
    def outer() -> None:
        inner()

    outer()
    outer_run, inner_run = store.only_run("outer"), store.only_run("inner")
    assert inner_run.parent_id == outer_run.id
    assert inner_run.trace_id == outer_run.trace_id
    assert store.io(outer_run.id).outputs == []
    assert store.io(inner_run.id).outputs == ["inner.csv"]


def test_recursion_captures_the_outermost_call(store: Store) -> None:
    @register("countdown", output_vars=["label"])
    def countdown(n: int) -> int:
        label = f"count-{n}.txt"
        return n if n == 0 else countdown(n - 1)

    countdown(2)
    outputs = sorted(o for run in store.runs("countdown") for o in store.io(run.id).outputs)
    assert outputs == ["count-0.txt", "count-1.txt", "count-2.txt"]


def test_async_functions_are_runs_with_named_variables(store: Store) -> None:
    @register("fetch", input_vars=["url"], output_vars=["return", "cache"])
    async def fetch(url: str) -> str:
        cache = "cache.json"
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return "page.html"

    assert asyncio.run(fetch("https://example.org/data")) == "page.html"
    run = store.only_run("fetch")
    assert store.io(run.id).inputs == ["https://example.org/data"]
    assert sorted(store.io(run.id).outputs) == ["cache.json", "page.html"]


def test_the_decorator_keeps_the_function_name_and_doc(store: Store) -> None:
    @register("documented")
    def documented() -> None:
        """Docs stay."""

    assert documented.__name__ == "documented"
    assert documented.__doc__ == "Docs stay."


def test_concurrent_async_runs_each_capture_their_own_variables(store: Store) -> None:
    @register("download", input_vars=["url"], output_vars=["target"])
    async def download(url: str, delay: int) -> None:
        for _ in range(delay):
            await asyncio.sleep(0)
        target = url.rsplit("/", 1)[-1] + ".csv"  # assigned after the last suspension

    async def main() -> None:
        await asyncio.gather(*(download(f"https://example.org/part{i}", 5 - i) for i in range(5)))

    asyncio.run(main())
    pairs = sorted((store.io(r.id).inputs[0], store.io(r.id).outputs[0]) for r in store.runs("download"))
    assert pairs == [(f"https://example.org/part{i}", f"part{i}.csv") for i in range(5)]


def test_an_async_run_that_raises_is_failed_and_keeps_its_variables(store: Store) -> None:
    @register("upload", input_vars=["source"])
    async def upload(source: str) -> None:
        await asyncio.sleep(0)
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        asyncio.run(upload("model.pkl"))
    run = store.only_run("upload")
    assert run.status_code == "ERROR"
    assert store.io(run.id).inputs == ["model.pkl"]
