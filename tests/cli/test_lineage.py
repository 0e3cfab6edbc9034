"""`trace` (a tree with markers, shared ancestors once) and `lineage` (a table, both directions)."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke, Pipeline
from tests.helpers import run_record


def _lines_with(out: str, text: str) -> list[str]:
    return [line for line in out.splitlines() if text in line]


def test_trace_prints_the_tree_of_runs_that_made_an_output(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("trace", "pred-1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "trace of pred-1"
    # Nesting: predict > train > featurize x2 > clean > ingest, each one level deeper.
    depth = {
        name: len(line) - len(line.lstrip("│├└─ "))
        for name, line in (
            ("predict", _lines_with(out, pipeline.predict.span_id)[0]),
            ("train", _lines_with(out, pipeline.train.span_id)[0]),
            ("featurize", _lines_with(out, pipeline.featurize_a.span_id)[0]),
            ("clean", _lines_with(out, pipeline.clean.span_id)[0]),
            ("ingest", _lines_with(out, pipeline.ingest.span_id)[0]),
        )
    }
    assert depth["predict"] < depth["train"] < depth["featurize"] < depth["clean"] < depth["ingest"]
    assert "(via features-a.parquet)" in _lines_with(out, pipeline.featurize_a.span_id)[0]


def test_a_shared_ancestor_is_printed_once_and_referenced_after(cli: Invoke, pipeline: Pipeline) -> None:
    out = cli("trace", "pred-1").stdout
    clean_lines = _lines_with(out, pipeline.clean.span_id)
    # Both featurize runs read clean.csv: clean appears twice, expanded only the first time.
    assert len(clean_lines) == 2
    assert "shown above" not in clean_lines[0] and "shown above" in clean_lines[1]
    assert len(_lines_with(out, f"ingest {pipeline.ingest.span_id}")) == 1  # clean's subtree is not repeated


def test_trace_marks_failed_stale_and_flagged_runs(cli: Invoke, pipeline: Pipeline) -> None:
    assert cli("flag", "pred-2").exit_code == 0
    out = cli("trace", "pred-1").stdout
    assert "✗ failed" in _lines_with(out, pipeline.featurize_b.span_id)[0]
    assert "✗ failed" not in _lines_with(out, pipeline.featurize_a.span_id)[0]
    clean_line = _lines_with(out, pipeline.clean.span_id)[0]
    assert "⚠ stale (1)" in clean_line
    # The reason is printed right under the stale run.
    assert f"⚠ dependency ingest run {pipeline.ingest.span_id} was superseded" in out
    assert "⚑ flagged: pred-2" in _lines_with(out, pipeline.predict.span_id)[0]


def test_trace_json_is_the_flat_graph(cli: Invoke, pipeline: Pipeline) -> None:
    graph = json.loads(cli("trace", "model.pkl", "--json").stdout)
    assert graph["output"] == "model.pkl" and graph["direction"] == "upstream"
    assert graph["roots"] == [pipeline.train.span_id]
    assert graph["depths"] == {
        pipeline.train.span_id: 0,
        pipeline.featurize_a.span_id: 1,
        pipeline.featurize_b.span_id: 1,
        pipeline.clean.span_id: 2,
        pipeline.ingest.span_id: 3,
    }
    assert {(e["consumer_id"], e["producer_id"], e["via"]) for e in graph["edges"]} == {
        (pipeline.train.span_id, pipeline.featurize_a.span_id, "features-a.parquet"),
        (pipeline.train.span_id, pipeline.featurize_b.span_id, "features-b.parquet"),
        (pipeline.featurize_a.span_id, pipeline.clean.span_id, "clean.csv"),
        (pipeline.featurize_b.span_id, pipeline.clean.span_id, "clean.csv"),
        (pipeline.clean.span_id, pipeline.ingest.span_id, "raw.csv"),
    }
    assert graph["truncated"] is False
    assert {r["id"] for r in graph["runs"]} == set(graph["depths"])


def test_trace_depth_cuts_the_tree_and_says_so(cli: Invoke, pipeline: Pipeline) -> None:
    out = cli("trace", "pred-1", "--depth", "1").stdout
    assert pipeline.train.span_id in out and pipeline.clean.span_id not in out
    assert "… 2 more beyond --depth" in out
    graph = json.loads(cli("trace", "pred-1", "--depth", "1", "--json").stdout)
    assert set(graph["depths"]) == {pipeline.predict.span_id, pipeline.train.span_id}


def test_a_cycle_terminates(cli: Invoke, engine: Engine) -> None:
    first = run_record("train", 0, 1, outputs=["model.pkl"])
    updates = [run_record("train", 2 + i, 3 + i, inputs=["model.pkl"], outputs=["model.pkl"]) for i in range(4)]
    ingest_spans(engine, [first, *updates])
    result = cli("trace", "model.pkl")
    assert result.exit_code == 0, result.output
    assert all(len(_lines_with(result.stdout, r.span_id)) == 1 for r in [first, *updates])


def test_lineage_upstream_is_a_table_by_distance(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("lineage", "pred-1")
    assert result.exit_code == 0, result.output
    assert "upstream lineage of pred-1: 6 runs, 6 edges" in result.stdout
    rows = [[cell.strip() for cell in line.split("│")] for line in result.stdout.splitlines() if "│" in line]
    assert [(r[0], r[1]) for r in rows] == [
        ("0", pipeline.predict.span_id),
        ("1", pipeline.train.span_id),
        ("2", pipeline.featurize_a.span_id),
        ("2", pipeline.featurize_b.span_id),
        ("3", pipeline.clean.span_id),
        ("4", pipeline.ingest.span_id),
    ]
    train = rows[1]
    assert train[-1] == f"{pipeline.featurize_a.span_id} {pipeline.featurize_b.span_id}"
    assert "✗ failed" in rows[3][5] and "⚠ stale (1)" in rows[4][5]


def test_lineage_downstream_follows_what_was_made_from_an_output(cli: Invoke, pipeline: Pipeline) -> None:
    graph = json.loads(cli("lineage", "clean.csv", "--downstream", "--json").stdout)
    assert graph["direction"] == "downstream" and graph["roots"] == [pipeline.clean.span_id]
    assert graph["depths"] == {
        pipeline.clean.span_id: 0,
        pipeline.featurize_a.span_id: 1,
        pipeline.featurize_b.span_id: 1,
        pipeline.train.span_id: 2,
        pipeline.predict.span_id: 3,
    }
    limited = json.loads(cli("lineage", "clean.csv", "--downstream", "--depth", "1", "--json").stdout)
    assert set(limited["depths"]) == {
        pipeline.clean.span_id,
        pipeline.featurize_a.span_id,
        pipeline.featurize_b.span_id,
    }
    assert "downstream lineage of clean.csv" in cli("lineage", "clean.csv", "--downstream").stdout


def test_a_700_run_chain_prints_every_run_in_order_without_running_off_the_line(cli: Invoke, engine: Engine) -> None:
    chain = [run_record(f"step{i % 5}", 2 * i, 2 * i + 1, inputs=[f"d{i}"], outputs=[f"d{i + 1}"]) for i in range(700)]
    ingest_spans(engine, chain)
    result = cli("trace", "d700")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[1:]
    assert [next(r.span_id for r in chain if r.span_id in line) for line in lines] == [
        r.span_id for r in reversed(chain)
    ]
    assert max(len(line) for line in lines) <= 160  # the width of a piped console: nothing wrapped
    assert lines[-1].lstrip("│├└─ ").startswith("[699] step0")
