"""examples/multiprocess.py: steps in five processes form one trace, and their lineage is right."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.runs import trace_spans
from mltrace_otel.store.engine import get_engine

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multiprocess.py"


def test_subprocess_steps_join_one_trace_with_correct_lineage(db_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--database-url", db_url, "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    match = re.search(r"pipeline trace ([0-9a-f]{32})", done.stdout)
    assert match, done.stdout
    with get_engine(db_url).connect() as conn:
        runs = trace_spans(conn, match.group(1))
        graph = lineage(conn, output=str(tmp_path / "model.json"))

    by_component: dict[str, list[str]] = {}
    for run in runs:
        by_component.setdefault(run.component or "", []).append(run.id)
    assert {k: len(v) for k, v in by_component.items()} == {
        "multiprocess/pipeline": 1,
        "multiprocess/extract": 2,
        "multiprocess/merge": 1,
        "multiprocess/train": 1,
    }
    # The span tree crosses processes: every step is a child of the parent process's pipeline run.
    (pipeline,) = [r for r in runs if r.component == "multiprocess/pipeline"]
    assert pipeline.parent_id is None
    assert all(r.parent_id == pipeline.id for r in runs if r is not pipeline)
    assert {r.service_name for r in runs} == {"pipeline", "step-extract", "step-merge", "step-train"}
    # Lineage: train <- merge <- both extracts, and nothing else (the pipeline run has no IO).
    (merge,), (train,) = by_component["multiprocess/merge"], by_component["multiprocess/train"]
    assert set(graph.runs) == {train, merge, *by_component["multiprocess/extract"]}
    assert {(e.consumer_id, e.producer_id) for e in graph.edges} == {
        (train, merge),
        *((merge, extract) for extract in by_component["multiprocess/extract"]),
    }
    assert (tmp_path / "model.json").read_text() == '{"mean": 7.5, "n": 10}'
