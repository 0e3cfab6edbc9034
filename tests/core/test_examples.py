"""The example pipelines, run as users run them (their own processes), into SQLite and Postgres."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from mltrace_otel.queries.components import list_components
from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.runs import trace_spans
from tests.conftest import pg_url
from tests.core.conftest import Store
from tests.core.subprocesses import ROOT, python_env


def run_example(module: str, db_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module, "--database-url", db_url, *args],
        cwd=ROOT,
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{module} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def final_output_id(stdout: str) -> str:
    match = re.search(r"^Final output id: ([a-z]{10})$", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def test_industry_ml_traces_the_prediction_back_to_both_client_files(db_url: str, tmp_path: Path) -> None:
    output_id = final_output_id(run_example("examples.industry_ml", db_url, "--data-dir", str(tmp_path)))
    assert (tmp_path / f"predictions_{output_id}.csv").exists()
    store = Store(db_url)
    with store.connect() as conn:
        graph = lineage(conn, output=output_id)
        components = {c.name: c for c in list_components(conn, tag="example")}
    by_component: dict[str, list[str]] = {}
    for run in graph.runs.values():
        by_component.setdefault(run.component or "", []).append(run.id)
        assert run.status_code != "ERROR"
    assert {k: len(v) for k, v in by_component.items()} == {
        "industry-ml/inference": 1,
        "industry-ml/training": 2,
        "industry-ml/featuregen": 2,
        "industry-ml/clean": 2,
        "industry-ml/ingest": 2,
    }
    first_training, second_training = sorted(
        (graph.runs[r] for r in by_component["industry-ml/training"]), key=lambda r: r.start_ns
    )
    assert store.io(first_training.id).outputs == ["model.pkl"]
    assert sorted(store.io(second_training.id).inputs) == ["feature_clean_ingested_historical_data.csv", "model.pkl"]
    assert first_training.id in store.dependencies(second_training.id)  # trained again from the previous model
    (inference,) = (graph.runs[r] for r in by_component["industry-ml/inference"])
    assert sorted(store.io(inference.id).inputs) == ["feature_clean_ingested_live_data.csv", "prod_model.pkl"]
    assert components["industry-ml/training"].owner == "data_scientist"
    assert set(components) == {f"industry-ml/{n}" for n in ("ingest", "clean", "featuregen", "training", "inference")}
    clean_tests = [t for r in by_component["industry-ml/clean"] for t in graph.runs[r].test_results]
    assert len(clean_tests) == 2 and all(t["passed"] for t in clean_tests)
    ingests = [store.io(r).inputs[0] for r in by_component["industry-ml/ingest"]]
    assert sorted(ingests) == ["historical_data.csv", "live_data.csv"]


def test_plain_otel_records_runs_plain_spans_links_and_the_failed_step(db_url: str, tmp_path: Path) -> None:
    stdout = run_example("examples.plain_otel", db_url, "--data-dir", str(tmp_path))
    trace_id = re.search(r"Pipeline trace id: ([0-9a-f]{32})", stdout).group(1)  # type: ignore[union-attr]
    store = Store(db_url)
    with store.connect() as conn:
        spans = {s.name: s for s in trace_spans(conn, trace_id)}
        graph = lineage(conn, output="alerts.json")
    assert set(spans) == {"pipeline", "extract", "query warehouse", "train", "detect", "publish"}
    assert spans["pipeline"].component is None and spans["query warehouse"].component is None
    assert spans["query warehouse"].parent_id == spans["extract"].id
    assert spans["publish"].status_code == "ERROR"
    assert any(e["name"] == "exception" for e in spans["publish"].events)
    assert {r.component for r in graph.runs.values()} == {
        f"plain-otel/{n}" for n in ("detect", "extract", "train", "labeling")
    }
    labeling = next(r for r in graph.runs.values() if r.component == "plain-otel/labeling")
    assert labeling.trace_id != trace_id  # another job's trace, reached through the span link
    assert spans["train"].links[0]["span_id"] == labeling.id


def test_fan_in_stores_499_runs_and_traces_them_all(db_url: str, tmp_path: Path) -> None:
    output_id = final_output_id(run_example("examples.fan_in", db_url, "--data-dir", str(tmp_path)))
    with Store(db_url).connect() as conn:
        graph = lineage(conn, output=output_id)
    assert len(graph.runs) == 499
    assert max(graph.depths.values()) == 6
    assert sum(1 for r in graph.runs.values() if r.component == "fan-in/featuregen") == 124


def example_namespaces(url: str) -> set[str]:
    with Store(url).connect() as conn:
        names = {c.name for c in list_components(conn)}
    # Each pipeline names its components in its own namespace, so no two pipelines share a component.
    assert {"fan-in/ingest", "industry-ml/ingest", "plain-otel/train", "multiprocess/train"} <= names
    return {name.split("/")[0] for name in names}


def test_load_all_runs_every_example_into_one_store(pg_database: Any, tmp_path: Path) -> None:
    url = pg_url(pg_database.info.dbname)
    stdout = run_example("examples.load_all", url, "--data-dir", str(tmp_path))
    assert "Loaded 4 example pipelines" in stdout
    assert example_namespaces(url) == {"industry-ml", "plain-otel", "fan-in", "multiprocess"}


def test_an_example_runs_as_a_plain_script_too(db_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "industry_ml.py"),
            "--database-url",
            db_url,
            "--data-dir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={k: v for k, v in python_env().items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    final_output_id(done.stdout)
