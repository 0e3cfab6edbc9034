"""The review's scoring on its own, without a database: outputs as test cases, runs or components as suspects."""

from __future__ import annotations

import pytest

from mltrace_otel.queries.scoring import Ranking, explain, ochiai, rank

# Three flagged outputs all went through "ingest"; "bad_model" is in two of them and in no passing trace;
# "ingest" is also in every one of the four passing traces.
FAILING = {"p1": {"ingest", "bad_model"}, "p2": {"ingest", "bad_model"}, "p3": {"ingest", "good_model"}}
PASSING = {f"q{i}": {"ingest", "good_model"} for i in range(4)}


def test_ochiai_puts_the_run_only_failures_share_first_and_coverage_the_shared_one() -> None:
    by_ochiai = rank(FAILING, PASSING, Ranking.OCHIAI)
    assert [s.key for s in by_ochiai] == ["bad_model", "ingest", "good_model"]
    bad = by_ochiai[0]
    assert (bad.failed, bad.passed) == (2, 0)
    assert bad.ochiai == pytest.approx(2 / (3 * 2) ** 0.5)
    assert bad.coverage == pytest.approx(2 / 3)
    assert bad.explanation == explain(2, 0, 3, 4)
    assert [s.key for s in rank(FAILING, PASSING, Ranking.COVERAGE)] == ["ingest", "bad_model", "good_model"]


def test_ties_go_to_the_tiebreak_and_an_output_counts_a_suspect_once() -> None:
    failing = {"a": ["x", "y", "x"], "b": ["x", "y"]}
    assert [s.key for s in rank(failing, {}, Ranking.OCHIAI)] == ["x", "y"]
    assert [s.key for s in rank(failing, {}, Ranking.OCHIAI, tiebreak=lambda k: -ord(k))] == ["y", "x"]
    assert rank(failing, {}, Ranking.OCHIAI)[0].failed == 2


def test_ochiai_of_nothing_is_zero() -> None:
    assert ochiai(0, 0, 0) == 0.0
    assert rank({}, PASSING, Ranking.OCHIAI) == []
