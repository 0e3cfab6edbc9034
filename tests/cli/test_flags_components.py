"""`flag`, `unflag`, `review`, `components`, `tags`, `tag` through the CLI."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke, Pipeline
from tests.helpers import run_record


def planted_fault(engine: Engine) -> tuple[str, str]:
    """ingest -> 10 featurize batches -> one predict run per prediction; batch 3 is bad. Returns (bad, ingest)."""
    ingest = run_record("ingest", 0, 1, outputs=["raw.csv"])
    featurize = [run_record("featurize", 2, 3, inputs=["raw.csv"], outputs=[f"f-{b}"]) for b in range(10)]
    predicts = [
        run_record("predict", 4 + i, 5 + i, inputs=[f"f-{b}"], outputs=[f"pred-{b}-{i}"])
        for b in range(10)
        for i in range(10)
    ]
    ingest_spans(engine, [ingest, *featurize, *predicts])
    return featurize[3].span_id, ingest.span_id


def flag_planted(cli: Invoke) -> None:
    for name in [*(f"pred-3-{i}" for i in range(8)), "pred-5-0", "pred-7-4"]:
        assert cli("flag", name).exit_code == 0


def test_flag_and_unflag_an_output(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("flag", "pred-1")
    assert (result.exit_code, result.stdout.strip()) == (0, "Flagged pred-1.")
    assert json.loads(cli("flag", "pred-2", "--json").stdout) == {"name": "pred-2", "kind": "unknown", "flagged": True}
    review = json.loads(cli("review", "--json").stdout)
    assert sorted(p["name"] for p in review["flagged"]) == ["pred-1", "pred-2"]

    assert cli("unflag", "pred-1").stdout.strip() == "Unflagged pred-1."
    assert [p["name"] for p in json.loads(cli("review", "--json").stdout)["flagged"]] == ["pred-2"]
    assert json.loads(cli("unflag", "--all", "--json").stdout) == {"unflagged": 1}
    assert "No flagged outputs" in cli("review").stdout


def test_unflag_needs_exactly_one_of_an_output_or_all(cli: Invoke, pipeline: Pipeline) -> None:
    for args in ((), ("pred-1", "--all")):
        result = cli("unflag", *args)
        assert result.exit_code == 2
        assert "either an OUTPUT id or --all" in result.stderr


def test_review_ranks_the_planted_bad_run_first_and_explains_it(cli: Invoke, engine: Engine) -> None:
    bad, ingest = planted_fault(engine)
    flag_planted(cli)

    found = json.loads(cli("review", "--json").stdout)
    assert found["ranking"] == "ochiai"
    assert (found["total_failed"], found["total_passed"]) == (10, 90)
    top = found["runs"][0]
    assert top["run"]["id"] == bad and (top["failed"], top["passed"]) == (8, 2)
    assert top["explanation"].endswith("Ochiai = 8/sqrt(10*(8+2)) = 0.800")
    assert found["producers"]["pred-3-0"] != bad  # the producer is the predict run; bad is upstream

    by_count = json.loads(cli("review", "--by", "coverage", "--json").stdout)
    assert by_count["ranking"] == "coverage" and by_count["runs"][0]["run"]["id"] == ingest

    table = cli("review").stdout
    assert "ranked by Ochiai suspiciousness" in table
    first_row = next(line for line in table.splitlines() if line.lstrip().startswith("1 "))
    assert bad in first_row and "8/10" in first_row and "2/90" in first_row and "0.800" in first_row
    assert "Components" in table


def test_review_limit_is_honoured(cli: Invoke, engine: Engine) -> None:
    planted_fault(engine)
    flag_planted(cli)
    assert len(json.loads(cli("review", "--limit", "2", "--json").stdout)["runs"]) == 2
    assert len(json.loads(cli("review", "--json").stdout)["runs"]) == 10  # default limit
    assert cli("review", "--limit", "0").exit_code == 2


def test_review_reports_a_flagged_output_with_no_producer(cli: Invoke, engine: Engine) -> None:
    ingest_spans(engine, [run_record("audit", 0, 1, inputs=["vendor-dump.csv"])])
    cli("flag", "vendor-dump.csv")
    result = cli("review")
    assert result.exit_code == 0, result.output
    assert "no producing run" in result.stdout and "vendor-dump.csv" in result.stdout
    assert json.loads(cli("review", "--json").stdout)["unproduced"] == ["vendor-dump.csv"]


def test_components_tags_and_tagging(cli: Invoke, pipeline: Pipeline) -> None:
    listed = json.loads(cli("components", "--json").stdout)
    assert [c["name"] for c in listed] == ["clean", "featurize", "ingest", "predict", "train"]
    assert json.loads(cli("tags", "--json").stdout) == ["etl"]

    result = cli("tag", "train", "gpu", "nightly")
    assert result.exit_code == 0 and "train is tagged: gpu nightly" in result.stdout
    assert json.loads(cli("tag", "predict", "nightly", "--json").stdout)["tags"] == ["nightly"]
    assert cli("tags").stdout.split() == ["etl", "gpu", "nightly"]
    assert [c["name"] for c in json.loads(cli("components", "--tag", "nightly", "--json").stdout)] == [
        "predict",
        "train",
    ]
    assert [c["name"] for c in json.loads(cli("components", "--owner", "data-team", "--json").stdout)] == ["ingest"]
    table = cli("components").stdout
    assert "pulls the raw dump" in next(line for line in table.splitlines() if line.startswith("ingest"))
    assert "No components match." in cli("components", "--tag", "nothing-has-this").stdout


def test_tag_refuses_an_unknown_component(cli: Invoke, pipeline: Pipeline) -> None:
    result = cli("tag", "trian", "gpu")
    assert result.exit_code == 1
    assert "no component 'trian'" in result.stderr
