"""`recent`, `history`, `inspect`, `notes`: tables, --json, --limit, dates, durations, git tags, staleness."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke, Pipeline
from tests.helpers import run_record


def test_recent_lists_the_latest_runs_newest_first(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("recent")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line[:16] in {r.span_id for r in pipeline.all}]
    newest_first = sorted(pipeline.all, key=lambda r: (r.start_ns, r.span_id), reverse=True)  # ties: higher id first
    assert [row[:16] for row in rows] == [r.span_id for r in newest_first]
    failed_row = next(row for row in rows if row.startswith(pipeline.featurize_b.span_id))
    assert "failed" in failed_row
    # clean is stale (ingest was rerun): marked in the table, explained below it.
    assert "⚠ 1" in next(row for row in rows if row.startswith(pipeline.clean.span_id))
    assert (
        f"⚠ {pipeline.clean.span_id}: dependency ingest run {pipeline.ingest.span_id} was superseded" in result.stdout
    )


def test_recent_honours_limit_and_says_when_more_exist(cli: Invoke, pipeline: Pipeline) -> None:
    page = json.loads(cli("recent", "--limit", "3", "--json").stdout)
    assert [r["id"] for r in page["runs"]] == [
        pipeline.ingest_rerun.span_id,
        pipeline.predict.span_id,
        pipeline.train.span_id,
    ]
    assert page["has_more"] is True
    everything = json.loads(cli("recent", "-n", "50", "--json").stdout)
    assert len(everything["runs"]) == 7 and everything["has_more"] is False
    assert "raise --limit" in cli("recent", "--limit", "3").stdout


def test_limits_beyond_one_page_are_honoured(cli: Invoke, engine: Engine) -> None:
    ingest_spans(engine, [run_record("score", i, i + 1, outputs=[f"s-{i}"]) for i in range(1_005)])
    page = json.loads(cli("recent", "--limit", "1003", "--json").stdout)
    assert len(page["runs"]) == 1_003 and page["has_more"] is True
    assert len({r["id"] for r in page["runs"]}) == 1_003
    history = json.loads(cli("history", "score", "--limit", "2000", "--json").stdout)
    assert len(history["runs"]) == 1_005 and history["has_more"] is False


def test_run_json_has_the_documented_shape(cli: Invoke, pipeline: Pipeline) -> None:
    [run] = json.loads(cli("history", "train", "--json").stdout)["runs"]
    assert run["id"] == pipeline.train.span_id and run["component"] == "train"
    assert run["duration_ms"] == 90_500.0
    assert datetime.fromisoformat(run["start"]).utcoffset() is not None
    assert [p["name"] for p in run["inputs"]] == ["features-a.parquet", "features-b.parquet"]
    assert run["inputs"][0] == {"name": "features-a.parquet", "kind": "data", "flagged": False}
    assert [d["run_id"] for d in run["dependencies"]] == [pipeline.featurize_a.span_id, pipeline.featurize_b.span_id]
    assert run["dependencies"][0] == {
        "run_id": pipeline.featurize_a.span_id,
        "component": "featurize",
        "via": ["features-a.parquet"],
        "kind": "io",
    }
    assert [d["run_id"] for d in run["dependents"]] == [pipeline.predict.span_id]
    assert run["stale"] == [] and (run["status"], run["status_code"]) == ("succeeded", "UNSET")


def test_history_shows_one_component_with_staleness(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("history", "clean")
    assert result.exit_code == 0, result.output
    assert "history of clean" in result.stdout and pipeline.clean.span_id in result.stdout
    assert pipeline.ingest.span_id not in result.stdout.split("⚠")[0]  # only clean's rows in the table
    assert f"ingest run {pipeline.ingest_rerun.span_id} wrote raw.csv again" in result.stdout
    [run] = json.loads(cli("history", "clean", "--json").stdout)["runs"]
    assert run["stale"] == [
        {
            "dependency_id": pipeline.ingest.span_id,
            "reason": run["stale"][0]["reason"],
            "newer_run_id": pipeline.ingest_rerun.span_id,
            "kind": "rewritten",
        }
    ]


def test_history_since_and_until_bound_the_start(cli: Invoke, engine: Engine) -> None:
    # run_record's clock starts at 2023-11-14 22:13:20 UTC; one run per day from then on.
    runs = [run_record("daily", d * 86_400, d * 86_400 + 60) for d in range(5)]
    ingest_spans(engine, runs)

    def ids(*args: str) -> list[str]:
        result = cli("history", "daily", *args, "--json")
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.stdout)["runs"]]

    assert ids("--since", "2023-11-16") == [r.span_id for r in reversed(runs[2:])]
    # A bare --until date includes that whole day.
    assert ids("--until", "2023-11-15") == [runs[1].span_id, runs[0].span_id]
    assert ids("--since", "2023-11-15T22:13:20Z", "--until", "2023-11-16T23:30+01:00") == [
        runs[2].span_id,
        runs[1].span_id,
    ]
    assert ids("--since", "1d") == []  # ages count back from now; these runs are from 2023
    assert ids("--since", "2023-11-14", "--limit", "2") == [runs[4].span_id, runs[3].span_id]


def test_inspect_shows_everything_about_a_run(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("inspect", pipeline.ingest.span_id)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for expected in (
        f"ingest run {pipeline.ingest.span_id}",
        "data-team",
        "pulls the raw dump",
        "etl",
        "0123abcd",
        "v1.0 release",  # mltrace 0.17 crashed on runs with git tags
        "1.00 s",
        "raw.csv",
        f"{pipeline.clean.span_id} clean via raw.csv",
        "def ingest():",
    ):
        assert expected in out, expected


def test_inspect_durations_are_correct(cli: Invoke, pipeline: Pipeline) -> None:
    # mltrace printed minutes + seconds/10 as "minutes" (90.5 s became "1.905 mins").
    assert "1 min 30 s" in cli("inspect", pipeline.train.span_id).stdout
    assert "1.50 s" in cli("inspect", pipeline.clean.span_id).stdout


def test_inspect_json_carries_code_component_and_stale_reasons(cli: Invoke, pipeline: Pipeline) -> None:
    found = json.loads(cli("inspect", pipeline.ingest.span_id.upper(), "--json").stdout)
    assert found["run"]["git_tags"] == ["v1.0", "release"]
    assert found["run"]["code_snapshot"].startswith("def ingest():")
    assert found["component"] == {
        "name": "ingest",
        "description": "pulls the raw dump",
        "owner": "data-team",
        "tags": ["etl"],
    }
    clean = json.loads(cli("inspect", pipeline.clean.span_id, "--json").stdout)["run"]
    assert [s["newer_run_id"] for s in clean["stale"]] == [pipeline.ingest_rerun.span_id]
    failed = json.loads(cli("inspect", pipeline.featurize_b.span_id, "--json").stdout)["run"]
    assert (failed["status"], failed["status_code"]) == ("failed", "ERROR")


def test_a_git_tag_given_as_one_string_does_not_crash(cli: Invoke, engine: Engine) -> None:
    run = run_record("tagged", 0, 1, attributes={"mltrace.code.git_tags": "v2.0"})
    ingest_spans(engine, [run])
    result = cli("inspect", run.span_id)
    assert result.exit_code == 0, result.output
    assert "v2.0" in result.stdout


def test_notes_replace_a_runs_note(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("notes", pipeline.train.span_id, "retrained after the label fix")
    assert result.exit_code == 0, result.output
    assert "retrained after the label fix" in result.stdout
    cli("notes", pipeline.train.span_id, "second thoughts")
    found = json.loads(cli("inspect", pipeline.train.span_id, "--json").stdout)
    assert found["run"]["notes"] == "second thoughts"
    assert json.loads(cli("notes", pipeline.train.span_id, "x", "--json").stdout)["notes"] == "x"


def test_an_empty_store_says_so(cli: Invoke, engine: Engine) -> None:
    result = cli("recent")
    assert result.exit_code == 0 and "No runs recorded yet." in result.stdout
    assert json.loads(cli("recent", "--json").stdout) == {"runs": [], "has_more": False}
