"""``save``/``load`` record the file as output/input of the run they happen in, through the OTel context."""

from __future__ import annotations

import threading
from pathlib import Path

from opentelemetry import context, trace

from mltrace_otel import component_run, load, register, save
from tests.core.conftest import Store


def test_save_and_load_inside_a_decorated_run_record_io(store: Store, tmp_path: Path) -> None:
    model_path = tmp_path / "model.pkl"
    data_path = tmp_path / "train.pkl"
    save({"rows": [1, 2, 3]}, data_path)  # outside any run: just a file

    @register("train")
    def train() -> None:
        data = load(data_path)
        save({"weights": sum(data["rows"])}, model_path)

    train()
    run = store.only_run("train")
    assert store.io(run.id).inputs == [str(data_path)]
    assert store.io(run.id).outputs == [str(model_path)]
    assert load(model_path) == {"weights": 6}


def test_save_in_a_helper_function_called_by_the_run_is_recorded_on_that_run(store: Store, tmp_path: Path) -> None:
    def persist(obj: object) -> None:  # no frame tricks: the run is found through the context
        save(obj, tmp_path / "deep" / "nested.pkl")

    with component_run("outer"):
        persist([1])
    assert store.io(store.only_run("outer").id).outputs == [str(tmp_path / "deep" / "nested.pkl")]


def test_nested_runs_each_get_their_own_files(store: Store, tmp_path: Path) -> None:
    with component_run("outer"):
        save(1, tmp_path / "outer.pkl")
        with component_run("inner"):
            save(2, tmp_path / "inner.pkl")
        save(3, tmp_path / "outer-after.pkl")
    assert sorted(store.io(store.only_run("outer").id).outputs) == [
        str(tmp_path / "outer-after.pkl"),
        str(tmp_path / "outer.pkl"),
    ]
    assert store.io(store.only_run("inner").id).outputs == [str(tmp_path / "inner.pkl")]


def test_a_thread_that_carries_the_context_records_on_the_run(store: Store, tmp_path: Path) -> None:
    with component_run("parallel_save"):
        ctx = context.get_current()

        def worker() -> None:
            token = context.attach(ctx)
            try:
                save("x", tmp_path / "from-thread.pkl")
            finally:
                context.detach(token)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert store.io(store.only_run("parallel_save").id).outputs == [str(tmp_path / "from-thread.pkl")]


def test_save_inside_a_plain_otel_run_extends_its_outputs(store: Store, tmp_path: Path) -> None:
    tracer = trace.get_tracer("pipeline")
    with tracer.start_as_current_span(
        "export", attributes={"mltrace.component": "export", "mltrace.outputs": ["report.csv"]}
    ):
        save({"a": 1}, tmp_path / "export.pkl")
        save({"a": 1}, tmp_path / "export.pkl")  # twice: recorded once
    run = store.only_run("export")
    assert sorted(store.io(run.id).outputs) == sorted(["report.csv", str(tmp_path / "export.pkl")])


def test_the_saved_file_links_producer_and_consumer(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "features.pkl"
    with component_run("featuregen"):
        save([0.1, 0.2], path)
    with component_run("train"):
        load(path)
    assert store.dependencies(store.only_run("train").id) == {store.only_run("featuregen").id}
