"""Review of flagged outputs (docs/design.md §2): mltrace's coverage plus Ochiai, per run and per component."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.lineage import latest_producers, upstream_sets
from mltrace_otel.queries.pointers import set_flag
from mltrace_otel.queries.review import Ranking, Review, review
from mltrace_otel.queries.scoring import rank
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import count_statements, run_record


@dataclass
class Pipeline:
    ingest: SpanRecord
    clean: SpanRecord
    featurize: list[SpanRecord]  # one run per batch
    outputs: dict[str, int]  # prediction id -> batch


def planted_fault(engine: Engine, batches: int = 10, per_batch: int = 10, prefix: str = "") -> Pipeline:
    """ingest -> clean -> one featurize run per batch -> one predict run per prediction.

    Every prediction's trace holds ingest and clean; only its own batch's featurize run tells batches apart.
    """
    t = 0 if not prefix else 1_000
    ingest = run_record("ingest", t, t + 1, outputs=[f"{prefix}raw.csv"])
    clean = run_record("clean", t + 2, t + 3, inputs=[f"{prefix}raw.csv"], outputs=[f"{prefix}clean.csv"])
    featurize = [
        run_record("featurize", t + 4, t + 5, inputs=[f"{prefix}clean.csv"], outputs=[f"{prefix}features-{b}.parquet"])
        for b in range(batches)
    ]
    outputs: dict[str, int] = {}
    predicts = []
    for b in range(batches):
        for i in range(per_batch):
            name = f"{prefix}pred-{b}-{i}"
            outputs[name] = b
            predicts.append(
                run_record("predict", t + 6 + i, t + 7 + i, inputs=[f"{prefix}features-{b}.parquet"], outputs=[name])
            )
    ingest_spans(engine, [ingest, clean, *featurize, *predicts])
    return Pipeline(ingest, clean, featurize, outputs)


def flag(engine: Engine, *names: str) -> None:
    with engine.begin() as conn:
        for name in names:
            set_flag(conn, name, True)


def run_review(engine: Engine, **kwargs: object) -> Review:
    with engine.connect() as conn:
        return review(conn, **kwargs)  # type: ignore[arg-type]


def flag_planted_fault(engine: Engine, p: Pipeline, bad: int = 3, prefix: str = "") -> None:
    # 8 of the bad batch's 10 predictions are wrong, plus two unlucky ones elsewhere (noise).
    flag(engine, *(f"{prefix}pred-{bad}-{i}" for i in range(8)), f"{prefix}pred-5-0", f"{prefix}pred-7-4")


def test_the_planted_bad_run_ranks_first_where_counting_ranks_a_shared_upstream_run_first(engine: Engine) -> None:
    p = planted_fault(engine)
    flag_planted_fault(engine, p)
    bad = p.featurize[3].span_id

    suspicious = run_review(engine)
    assert suspicious.runs[0].run.id == bad
    assert (suspicious.runs[0].failed, suspicious.runs[0].passed) == (8, 2)
    assert suspicious.runs[0].ochiai == pytest.approx(0.8)

    counted = run_review(engine, rank_by=Ranking.COVERAGE)
    assert counted.runs[0].run.id in {p.ingest.span_id, p.clean.span_id}
    assert counted.runs[0].coverage == 1.0
    assert [s.run.id for s in counted.runs].index(bad) >= 2
    # Same numbers either way: only the order differs.
    assert {s.run.id: s.failed for s in counted.runs} == {s.run.id: s.failed for s in suspicious.runs}


def test_every_score_is_explained_in_numbers(engine: Engine) -> None:
    p = planted_fault(engine)
    flag_planted_fault(engine, p)
    result = run_review(engine)
    assert (result.total_failed, result.total_passed) == (10, 90)

    top = result.runs[0]
    assert top.explanation == (
        "in 8 of 10 flagged output traces (coverage 80%) and 2 of 90 unflagged; Ochiai = 8/sqrt(10*(8+2)) = 0.800"
    )
    ingest = next(s for s in result.runs if s.run.id == p.ingest.span_id)
    assert (ingest.failed, ingest.passed, ingest.coverage) == (10, 90, 1.0)
    assert ingest.ochiai == pytest.approx((10 / 100) ** 0.5)
    assert "Ochiai = 10/sqrt(10*(10+90)) = 0.316" in ingest.explanation


def test_scores_roll_up_per_component(engine: Engine) -> None:
    # Half of the batches go through an extra "augment" step, and those are the ones whose outputs are wrong.
    ingest = run_record("ingest", 0, 1, outputs=["raw.csv"])
    runs = [ingest]
    flagged = []
    for b in range(6):
        source = "raw.csv"
        if b % 2 == 0:
            runs.append(run_record("augment", 2, 3, inputs=["raw.csv"], outputs=[f"aug-{b}.csv"]))
            source = f"aug-{b}.csv"
        for i in range(5):
            runs.append(run_record("predict", 4 + b, 5 + b, inputs=[source], outputs=[f"pred-{b}-{i}"]))
            if b % 2 == 0 and i < 4:
                flagged.append(f"pred-{b}-{i}")
    ingest_spans(engine, runs)
    flag(engine, *flagged)

    result = run_review(engine)
    by_name = {c.component: c for c in result.components}
    assert result.components[0].component == "augment"
    augment = by_name["augment"]
    assert (augment.failed, augment.passed, augment.runs) == (12, 3, 3)
    assert augment.ochiai == pytest.approx(12 / (12 * 15) ** 0.5)
    assert (by_name["ingest"].failed, by_name["ingest"].passed, by_name["ingest"].runs) == (12, 18, 1)
    assert "in 12 of 12 flagged output traces (coverage 100%) and 18 of 18 unflagged" in by_name["ingest"].explanation


def test_a_flagged_output_with_no_producer_is_reported_not_fatal(engine: Engine) -> None:
    p = planted_fault(engine, batches=3, per_batch=3)
    ingest_spans(engine, [run_record("audit", 50, 51, inputs=["vendor-dump.csv"])])  # read, never produced
    flag(engine, "vendor-dump.csv", "pred-1-0")

    result = run_review(engine)
    assert result.unproduced == ["vendor-dump.csv"]
    assert {f.name for f in result.flagged} == {"vendor-dump.csv", "pred-1-0"}
    assert result.total_failed == 1
    assert result.producers == {"pred-1-0": next(iter(_producer_of(engine, "pred-1-0")))}
    assert result.runs[0].run.id in {r.span_id for r in p.featurize} | _producer_of(engine, "pred-1-0")


def _producer_of(engine: Engine, output: str) -> set[str]:
    from mltrace_otel.queries.lineage import latest_producers

    with engine.connect() as conn:
        return {latest_producers(conn, [output])[output]}


def test_only_unproduced_flags_give_an_empty_ranking(engine: Engine) -> None:
    ingest_spans(engine, [run_record("audit", 0, 1, inputs=["vendor-dump.csv"])])
    flag(engine, "vendor-dump.csv")
    result = run_review(engine)
    assert (result.unproduced, result.runs, result.components, result.total_failed) == (["vendor-dump.csv"], [], [], 0)


def test_nothing_flagged_gives_an_empty_review(engine: Engine) -> None:
    planted_fault(engine, batches=2, per_batch=2)
    result = run_review(engine)
    assert (result.flagged, result.runs, result.total_failed, result.total_passed) == ([], [], 0, 0)


def test_limit_bounds_the_runs_and_bad_arguments_are_refused(engine: Engine) -> None:
    p = planted_fault(engine)
    flag_planted_fault(engine, p)
    limited = run_review(engine, limit=3)
    assert len(limited.runs) == 3 and limited.runs[0].run.id == p.featurize[3].span_id
    assert len(run_review(engine).runs) > 3
    with pytest.raises(InvalidArgument, match="at least 1"):
        run_review(engine, limit=0)
    with pytest.raises(InvalidArgument, match="ochiai, coverage"):
        run_review(engine, rank_by="vibes")


def test_a_cyclic_trace_terminates(engine: Engine) -> None:
    # train reads the model it rewrites; predictions read the model.
    runs = [run_record("train", 0, 1, outputs=["model.pkl"])]
    runs += [run_record("train", 2 + i, 3 + i, inputs=["model.pkl"], outputs=["model.pkl"]) for i in range(5)]
    runs.append(run_record("predict", 20, 21, inputs=["model.pkl"], outputs=["p-1"]))
    runs.append(run_record("predict", 22, 23, inputs=["model.pkl"], outputs=["p-2"]))
    ingest_spans(engine, runs)
    flag(engine, "p-1")
    result = run_review(engine)
    assert result.total_failed == 1 and result.total_passed == 1
    assert len(result.runs) == 7  # six train runs and the predict run, each once


def test_review_costs_the_same_number_of_statements_whatever_the_pipeline_size(engine: Engine) -> None:
    p = planted_fault(engine, batches=4, per_batch=5)
    flag(engine, "pred-1-0", "pred-1-1")
    with engine.connect() as conn, count_statements(engine) as small:
        review(conn)

    big = planted_fault(engine, batches=20, per_batch=25, prefix="b-")
    flag_planted_fault(engine, big, prefix="b-")
    with engine.connect() as conn, count_statements(engine) as large:
        result = review(conn)
    assert result.total_failed == 12 and result.total_passed == 4 * 5 + 20 * 25 - 12
    assert large.count == small.count
    assert large.count == 5, large.statements  # flags, their producers, passing + producers, one walk, runs
    assert p.ingest.span_id in {s.run.id for s in result.runs}


def test_500_flagged_outputs_take_five_statements_and_score_as_their_own_traces_say(engine: Engine) -> None:
    # A fine-tuning chain (each model trained from the previous one), 24 predictions per model, 500 of 600 flagged:
    # traces overlap deeply, which the shared walk visits once.
    runs = []
    for i in range(25):
        runs.append(run_record("featurize", 10 * i, 10 * i + 1, outputs=[f"features-{i}"]))
        model_in = [f"model-{i - 1}"] if i else []
        runs.append(
            run_record("train", 10 * i + 2, 10 * i + 3, inputs=[f"features-{i}", *model_in], outputs=[f"model-{i}"])
        )
        runs += [
            run_record("predict", 10 * i + 4, 10 * i + 5, inputs=[f"model-{i}"], outputs=[f"p-{i}-{k}"])
            for k in range(24)
        ]
    ingest_spans(engine, runs)
    names = [f"p-{i}-{k}" for i in range(25) for k in range(24)]
    flagged = [f"p-{i}-{k}" for i in range(25) for k in range(4, 24)]
    flag(engine, *flagged)

    with engine.connect() as conn, count_statements(engine) as counted:
        result = review(conn)
    assert counted.count == 5, counted.statements
    assert (result.total_failed, result.total_passed) == (500, 100)

    # The same numbers from each output's own trace, walked one by one.
    with engine.connect() as conn:
        producers = latest_producers(conn, names)
        traces = upstream_sets(conn, list(producers.values()))
    failing = {n: traces[producers[n]] for n in flagged}
    passing = {n: traces[producers[n]] for n in names if n not in set(flagged)}
    start = {r.span_id: r.start_ns for r in runs}
    expected = rank(failing, passing, Ranking.OCHIAI, lambda rid: (-start[rid], rid))
    assert [(s.run.id, s.failed, s.passed, s.ochiai) for s in result.runs] == [
        (s.key, s.failed, s.passed, s.ochiai) for s in expected
    ]
    first_model = runs[1].span_id  # upstream of every prediction
    assert next((s.failed, s.passed) for s in result.runs if s.run.id == first_model) == (500, 100)
