"""Review gives what its definition gives (docs/design.md §2), on a store with every shape the walk must handle.

The reference walks each compared output's trace on its own (``upstream_sets``, one set per output) and ranks with
``scoring.rank``: nothing shared with the one-walk, bit-counting path review takes. The store has diamonds,
pointers rewritten, failed attempts, a model retrained from itself (a cycle through one pointer), span links to a
run and to a plain span, flagged outputs of two components and a flagged pointer no run produced.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from sqlalchemy import Engine

from mltrace_otel.queries import review as review_module
from mltrace_otel.queries.lineage import latest_producers, upstream_sets
from mltrace_otel.queries.pointers import set_flag
from mltrace_otel.queries.review import Ranking, Review, review
from mltrace_otel.queries.scoring import rank
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import count_statements, run_record


def varied_store(engine: Engine, seed: int = 7, flag_newest: int = 0) -> tuple[list[SpanRecord], list[str]]:
    """About 300 runs over 20 cycles; (the spans, the flagged pointers: a quarter of the predictions, two reports,
    a pointer only read, and the ``flag_newest`` newest predictions)."""
    rng = random.Random(seed)
    spans: list[SpanRecord] = []
    t = 0
    features: list[str] = []
    predictions: list[str] = []
    reports: list[str] = []
    plain = dataclasses.replace(run_record("batch-job", 0, 1), attributes={})  # a plain span, linked below
    spans.append(plain)
    for cycle in range(20):
        raw = f"raw-{cycle}"
        spans.append(run_record("ingest", t, t + 1, inputs=[f"events-{cycle}"], outputs=[raw]))
        # Some cleans run twice (the later one rewrites the pointer), some fail first.
        for attempt in range(rng.choice([1, 1, 2])):
            status = "ERROR" if attempt == 0 and rng.random() < 0.3 else "UNSET"
            spans.append(
                run_record("clean", t + 2 + attempt, t + 3 + attempt, [raw], [f"clean-{cycle}"], status=status)
            )
        features.append(f"features-{cycle}")
        spans.append(run_record("featurize", t + 5, t + 6, [f"clean-{cycle}", *features[-3:-1]], [features[-1]]))
        # The model is retrained from itself: its consumer rewrites the pointer it read.
        spans.append(run_record("train", t + 7, t + 8, [features[-1], *(["model"] if cycle else [])], ["model"]))
        for k in range(rng.randint(3, 8)):
            name = f"pred-{cycle}-{k}"
            predictions.append(name)
            inputs = ["model", rng.choice(features)]
            spans.append(
                run_record(
                    "predict", t + 9 + k, t + 10 + k, inputs, [name], status=rng.choice(["UNSET"] * 9 + ["ERROR"])
                )
            )
        if cycle % 4 == 3:
            linked = rng.choice([s for s in spans if s.name == "predict"])
            name = f"report-{cycle}"
            reports.append(name)
            spans.append(
                run_record("report", t + 30, t + 31, predictions[-3:], [name], links=[linked.span_id, plain.span_id])
            )
        t += 40
    rng.shuffle(spans)  # arrival order does not matter
    ingest_spans(engine, spans)
    flagged = [*rng.sample(predictions, len(predictions) // 4), *rng.sample(reports, 2), "events-3"]
    flagged = list(dict.fromkeys([*flagged, *predictions[len(predictions) - flag_newest :]]))
    with engine.begin() as conn:
        for name in flagged:
            set_flag(conn, name, True)
    return spans, flagged


def expected(engine: Engine, spans: list[SpanRecord], flagged: list[str], cap: int) -> dict[str, object]:
    """Review's answer from its definition: each output's own trace, walked alone."""
    by_id = {s.span_id: s for s in spans}
    component = {s.span_id: str(s.attributes.get("mltrace.component", s.name)) for s in spans}
    outputs = {
        name: s
        for s in spans
        if "mltrace.component" in s.attributes
        for name in s.attributes.get("mltrace.outputs", ())
    }
    with engine.connect() as conn:
        producers = latest_producers(conn, sorted({*outputs, *flagged}))
        failing = {n: producers[n] for n in flagged if n in producers}
        compared = {component[p] for p in failing.values()}
        newest: dict[str, int] = {}
        for s in spans:
            for name in s.attributes.get("mltrace.outputs", ()):
                if component[s.span_id] in compared and name not in flagged:
                    newest[name] = max(newest.get(name, 0), s.end_ns)
        ordered = sorted(newest, key=lambda n: (-newest[n], n))
        passing = {n: producers[n] for n in ordered[:cap]}
        traces = upstream_sets(conn, [*failing.values(), *passing.values()], max_depth=10**6)
    failing_traces = {n: traces[r] for n, r in failing.items()}
    passing_traces = {n: traces[r] for n, r in passing.items()}
    tiebreak = lambda rid: (-by_id[rid].start_ns, rid)  # noqa: E731
    found: dict[str, object] = {"totals": (len(failing), len(passing)), "capped": len(ordered) > cap}
    for ranking in Ranking:
        found[f"runs {ranking}"] = [
            (s.key, s.failed, s.passed, s.ochiai, s.explanation)
            for s in rank(failing_traces, passing_traces, ranking, tiebreak)
        ]
        names_of = lambda t: {component[r] for r in t}  # noqa: E731
        in_failed: dict[str, set[str]] = {}
        for t in failing_traces.values():
            for r in t:
                in_failed.setdefault(component[r], set()).add(r)
        found[f"components {ranking}"] = [
            (s.key, s.failed, s.passed, s.ochiai, len(in_failed[s.key]), s.explanation)
            for s in rank(
                {n: names_of(t) for n, t in failing_traces.items()},
                {n: names_of(t) for n, t in passing_traces.items()},
                ranking,
            )
        ]
    return found


def answer(result: Review, ranking: Ranking) -> dict[str, object]:
    return {
        "totals": (result.total_failed, result.total_passed),
        "capped": result.passing_capped,
        f"runs {ranking}": [(s.run.id, s.failed, s.passed, s.ochiai, s.explanation) for s in result.runs],
        f"components {ranking}": [
            (c.component, c.failed, c.passed, c.ochiai, c.runs, c.explanation) for c in result.components
        ],
    }


@pytest.mark.parametrize(("cap", "flag_newest"), [(5_000, 0), (7, 0), (7, 14)])
def test_review_ranks_runs_and_components_as_each_outputs_own_trace_says(
    engine: Engine, cap: int, flag_newest: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cap 7: fewer unflagged outputs compared than exist, found among the newest 2 x 8 output rows; with the 14
    # newest predictions flagged too, that window holds too few, and a second statement reads past it.
    monkeypatch.setattr(review_module, "MAX_PASSING_OUTPUTS", cap)
    spans, flagged = varied_store(engine, flag_newest=flag_newest)
    reference = expected(engine, spans, flagged, cap)
    assert reference["totals"][0] > 20 and reference["totals"][1] == (7 if cap == 7 else reference["totals"][1])
    for ranking in Ranking:
        with engine.connect() as conn, count_statements(engine) as counted:
            result = review(conn, rank_by=ranking)
        assert counted.count == (6 if flag_newest else 5), counted.statements
        assert result.unproduced == ["events-3"]
        want = {k: v for k, v in reference.items() if k in {"totals", "capped"} or k.endswith(str(ranking))}
        assert answer(result, ranking) == want
        with engine.connect() as conn:
            limited = review(conn, limit=4, rank_by=ranking)
        assert answer(limited, ranking)[f"runs {ranking}"] == want[f"runs {ranking}"][:4]  # type: ignore[index]
