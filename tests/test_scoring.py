"""The review's scoring on its own, without a database: outputs as test cases, runs or components as suspects."""

from __future__ import annotations

import random

import pytest

from mltrace_otel.queries.scoring import Ranking, explain, ochiai, rank, rank_counts, rank_groups

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


@pytest.mark.parametrize("ranking", list(Ranking))
@pytest.mark.parametrize("limit", [None, 1, 7, 500])
def test_ranking_count_groups_orders_as_ranking_counts(ranking: Ranking, limit: int | None) -> None:
    # Many suspects per (failed, passed) pair, pairs whose Ochiai values tie (1 of 4 and 2 of 16), tiebreaks reversed.
    rng = random.Random(3)
    failed = {f"r{i}": rng.choice([1, 2, 2, 3, 8]) for i in range(300)}
    passed = {key: rng.choice([0, 3, 12, 12, 40]) for key in failed}
    tiebreak = lambda key: -int(key[1:])  # noqa: E731
    groups: dict[tuple[int, int], list[str]] = {}
    for key in failed:
        groups.setdefault((failed[key], passed[key]), []).append(key)
    expected = [(s.key, s.failed, s.passed) for s in rank_counts(failed, passed, 8, 50, ranking, tiebreak, limit)]
    assert rank_groups(groups, 8, ranking, tiebreak, limit) == expected
