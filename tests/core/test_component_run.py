"""``component_run``: a run for code that is not a function, with IO added as it goes."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from opentelemetry import trace

from mltrace_otel import component_run, current_run
from tests.core.conftest import Store


def test_the_block_is_one_run_with_the_io_it_added(store: Store) -> None:
    with component_run("train", inputs=["features.csv"]) as run:
        run.add_input("labels.csv")
        run.add_output("model.pkl")
        run.add_outputs(["metrics.json", None, ["plot.png"]])
        run_id = run.id
    stored = store.only_run("train")
    assert stored.id == run_id
    assert len(run_id) == 16 and int(run_id, 16) > 0
    assert store.io(run_id).inputs == ["features.csv", "labels.csv"]
    assert sorted(store.io(run_id).outputs) == ["metrics.json", "model.pkl", "plot.png"]


def test_adding_the_same_pointer_twice_records_it_once(store: Store) -> None:
    with component_run("dedupe") as run:
        run.add_input("a.csv")
        run.add_input("a.csv")
        run.add_inputs(["a.csv", "b.csv"])
    assert store.io(store.only_run("dedupe").id).inputs == ["a.csv", "b.csv"]


def test_the_run_is_the_current_span_and_current_run_inside_the_block(store: Store) -> None:
    with component_run("inspect") as run:
        assert current_run() is run
        span = trace.get_current_span()
        assert span.get_span_context().span_id == int(run.id, 16)
        with trace.get_tracer("test").start_as_current_span("child step"):
            assert current_run() is run  # a plain child span does not hide the run
    assert current_run() is None
    spans = {s.name: s for s in store.all_spans()}
    assert spans["child step"].parent_id == run.id
    assert spans["child step"].component is None  # stored, but not a lineage node


def test_notes_and_attributes_are_stored(store: Store) -> None:
    with component_run("annotated", notes="first try", attributes={"team": "vision"}) as run:
        run.set_attribute("rows", 1200)
    stored = store.only_run("annotated")
    assert stored.notes == "first try"
    assert stored.attributes["team"] == "vision"
    assert stored.attributes["rows"] == 1200
    with component_run("annotated") as run:
        run.set_notes("second try")
    assert store.runs("annotated")[-1].notes == "second try"


def test_an_empty_component_name_is_refused_before_anything_runs(store: Store) -> None:
    ran = False
    with pytest.raises(ValueError, match="non-empty component name"), component_run("  "):
        ran = True
    assert not ran
    assert store.runs() == []


def test_runs_in_threads_are_separate_and_complete(store: Store) -> None:
    def work(i: int) -> None:
        with component_run("shard", inputs=[f"in-{i}.csv"]) as run:
            run.add_output(f"out-{i}.csv")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = store.runs("shard")
    assert len(runs) == 8
    pairs = sorted((store.io(r.id).inputs[0], store.io(r.id).outputs[0]) for r in runs)
    assert pairs == sorted((f"in-{i}.csv", f"out-{i}.csv") for i in range(8))


def test_a_consumer_run_depends_on_the_producer_run(store: Store) -> None:
    with component_run("ingest", outputs=["raw.csv"]):
        pass
    with component_run("clean", inputs=["raw.csv"], outputs=["clean.csv"]):
        pass
    producer, consumer = store.only_run("ingest"), store.only_run("clean")
    assert store.dependencies(consumer.id) == {producer.id}
    assert store.dependencies(producer.id) == set()


def test_a_block_records_the_file_it_is_in_and_that_files_commit(store: Store, tmp_path: Path) -> None:
    """Code that ran, for a bare block: its file, and the commit of the repository holding that file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "t@example.com"], ["config", "user.name", "t"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True)
    step = repo / "step.py"
    step.write_text(
        "from mltrace_otel import component_run\n"
        "def go():\n"
        "    with component_run('block_step') as run:\n"
        "        return run.id\n"
    )
    subprocess.run(["git", "-C", str(repo), "add", "step.py"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "step"], check=True)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    namespace: dict[str, object] = {}
    exec(compile(step.read_text(), str(step), "exec"), namespace)
    run_id = namespace["go"]()  # type: ignore[operator]
    stored = store.only_run("block_step")
    assert stored.id == run_id
    assert stored.attributes["code.file.path"] == str(step)
    assert stored.git_hash == head.stdout.strip()
