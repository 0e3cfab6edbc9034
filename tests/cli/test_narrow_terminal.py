"""In an 80-column terminal ids and scores are never cut: whole columns drop, in the stated order, and a line says
which; long pointers lose their middle, not their file name."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from mltrace_otel.cli.render import cut_middle
from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke
from tests.helpers import run_record

LONG = "s3://datalake-production/warehouse/customers/partitioned/2024/05/01/part-00017.parquet"


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_ids_and_scores_stay_whole_and_columns_drop_in_order(
    cli: Invoke, engine: Engine, narrow: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = [
        run_record("narrow-pipeline/ingest-customer-partitions", 10, 20, outputs=[LONG]),
        run_record("narrow-pipeline/train-churn-model", 30, 40, inputs=[LONG], outputs=["models/churn.pkl"]),
    ]
    ingest_spans(engine, runs)
    assert cli("flag", "models/churn.pkl").exit_code == 0
    for args in (["recent"], ["review"], ["history", "narrow-pipeline/train-churn-model"]):
        out = cli(*args).output
        assert all(len(line) <= 80 for line in out.splitlines()), out
        for run in runs if args != ["history", "narrow-pipeline/train-churn-model"] else runs[1:]:
            assert run.span_id in out, out  # never 06b0abe7bc06ca…
        assert not re.search(r"\d\.…|[0-9a-f]{6,}…", out), out
    recent = cli("recent").output
    assert "(inputs, duration, started, outputs, stale left out to fit 80 columns" in recent
    review = cli("review").output
    assert re.search(r"│\s+1\.000 │", review) and "left out to fit 80 columns" in review
    # "why" keeps at least 30 columns, so an explanation takes a few lines, not eight.
    rows = re.split(r"\n(?=\s*\d+ │)", review.split("Runs")[1].split("(started")[0].strip())
    assert max(row.count("\n") for row in rows[1:]) <= 3
    monkeypatch.setenv("COLUMNS", "240")
    wide = cli("recent").output
    assert "left out" not in wide and "part-00017.parquet" in wide


def test_long_pointers_keep_their_file_name() -> None:
    cut = cut_middle(LONG, 40)
    assert len(cut) == 40 and cut.endswith("/part-00017.parquet") and cut.startswith("s3://") and "…" in cut
    assert cut_middle("short.csv", 40) == "short.csv"


def test_a_review_where_every_run_ties_says_how_to_separate_them(cli: Invoke, engine: Engine) -> None:
    ingest_spans(
        engine, [run_record("tie/a", 10, 20, outputs=["a.csv"]), run_record("tie/b", 30, 40, ["a.csv"], ["b.csv"])]
    )
    assert cli("flag", "b.csv").exit_code == 0
    assert "All 2 runs tie" in " ".join(cli("review").output.split())
