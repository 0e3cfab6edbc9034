"""A Node.js step (the OpenTelemetry JS SDK from npm, run with node) between two Python steps: one trace, one
lineage, across languages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import mltrace_otel
from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.runs import trace_spans
from mltrace_otel.store.engine import get_engine
from tests.otlp.conftest import ServeFactory

STEP_DIR = Path(__file__).resolve().parents[2] / "examples" / "node_step"


@pytest.fixture(scope="session")
def node_step() -> Path:
    """The step with its npm dependencies installed (``npm ci`` from the committed lock file when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the cross-language test (apt-get install nodejs npm)"
    if not (STEP_DIR / "node_modules" / "@opentelemetry" / "exporter-trace-otlp-http").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=STEP_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"npm ci failed in {STEP_DIR}:\n{done.stdout}\n{done.stderr}"
    return STEP_DIR / "step.mjs"


def test_lineage_and_the_trace_cross_from_python_to_node_and_back(
    configured: str, serve: ServeFactory, node_step: Path, tmp_path: Path
) -> None:
    raw, features, model = tmp_path / "raw.csv", tmp_path / "features.csv", tmp_path / "model.txt"
    with serve(ingest_token="node-token") as base, mltrace_otel.component_run("pipeline") as pipeline:
        with mltrace_otel.component_run("extract", outputs=[str(raw)]):
            raw.write_text("a,b\n1,10\n2,20\n3,30\n")
        env = mltrace_otel.child_env()
        env.update(MLTRACE_OTLP_ENDPOINT=base, MLTRACE_INGEST_TOKEN="node-token")
        done = subprocess.run(
            ["node", str(node_step), str(raw), str(features)], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        with mltrace_otel.component_run("train", inputs=[str(features)], outputs=[str(model)]):
            model.write_text(str(len(features.read_text().splitlines())))
    assert mltrace_otel.flush()

    with get_engine(configured).connect() as conn:
        graph = lineage(conn, output=str(model))
        spans = {s.name: s for s in trace_spans(conn, pipeline.trace_id)}
    components = {run.component: run for run in graph.runs.values()}
    assert set(components) == {"train", "featurize-js", "extract"}
    node_run = components["featurize-js"]
    assert {(e.consumer_id, e.producer_id) for e in graph.edges} == {
        (components["train"].id, node_run.id),
        (node_run.id, components["extract"].id),
    }
    # The span tree: the Node run is a child of the Python pipeline span, its own child span under it.
    assert node_run.parent_id == pipeline.id
    assert spans["read-csv"].parent_id == node_run.id and spans["read-csv"].attributes["rows"] == 3
    assert {"pipeline", "extract", "featurize", "read-csv", "train"} <= set(spans)
    assert node_run.resource["service.name"] == "node-step"
    assert node_run.scope["name"] == "mltrace-otel-node-step"
    assert node_run.status_code == "OK" and node_run.events[0]["name"] == "features.written"
    assert features.read_text().splitlines()[1] == "-1.224745,-1.224745"


def test_the_node_step_fails_loudly_when_the_server_refuses_it(
    serve: ServeFactory, node_step: Path, tmp_path: Path
) -> None:
    raw = tmp_path / "raw.csv"
    raw.write_text("a\n1\n2\n")
    with serve(ingest_token="right") as base:
        env = {"PATH": str(Path(shutil.which("node") or "node").parent), "MLTRACE_OTLP_ENDPOINT": base}
        env["MLTRACE_INGEST_TOKEN"] = "wrong"
        done = subprocess.run(
            ["node", str(node_step), str(raw), str(tmp_path / "out.csv")], env=env, capture_output=True, text=True
        )
    assert done.returncode == 1 and "could not send the run" in done.stderr
