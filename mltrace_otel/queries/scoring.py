"""Suspiciousness of runs and components, from which outputs' traces they are in: pure, no database.

Spectrum-based fault localisation with outputs as test cases (docs/design.md §2): flagged outputs failed,
unflagged ones passed, and a suspect (a run, or a component) is "executed" by an output when it is in that
output's trace. queries/review.py reads the traces; this module counts and ranks.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

K = TypeVar("K")


class Ranking(StrEnum):
    OCHIAI = "ochiai"  # suspiciousness: flagged traces a run is in, discounted by unflagged traces it is in
    COVERAGE = "coverage"  # mltrace's order: in how many flagged traces a run appears


@dataclass(frozen=True)
class Suspect:
    key: str  # a run id or a component name
    failed: int  # flagged outputs whose trace contains it
    passed: int  # unflagged outputs whose trace contains it
    coverage: float  # failed / total flagged (mltrace's count, normalised)
    ochiai: float
    explanation: str


def ochiai(failed: int, passed: int, total_failed: int) -> float:
    denominator = math.sqrt(total_failed * (failed + passed))
    return failed / denominator if denominator else 0.0


def explain(failed: int, passed: int, total_failed: int, total_passed: int) -> str:
    """The score in numbers: what was counted and how it became the Ochiai value."""
    score = ochiai(failed, passed, total_failed)
    coverage = 100 * failed / total_failed if total_failed else 0.0
    return (
        f"in {failed} of {total_failed} flagged output traces (coverage {coverage:.0f}%) and {passed} of "
        f"{total_passed} unflagged; Ochiai = {failed}/sqrt({total_failed}*({failed}+{passed})) = {score:.3f}"
    )


def rank(
    failing: Mapping[str, Collection[str]],
    passing: Mapping[str, Collection[str]],
    ranking: Ranking,
    tiebreak: Callable[[str], Any] = lambda key: key,
) -> list[Suspect]:
    """Every suspect in a failing output's trace, most suspicious first. ``failing`` and ``passing`` map each
    output to the suspects its trace holds; ties go to the smaller ``tiebreak(key)``."""
    failed: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for suspects in failing.values():
        failed.update(set(suspects))
    for suspects in passing.values():
        passed.update(set(suspects))
    return rank_counts(failed, passed, len(failing), len(passing), ranking, tiebreak)


def rank_counts(
    failed: Mapping[str, int],
    passed: Mapping[str, int],
    total_failed: int,
    total_passed: int,
    ranking: Ranking,
    tiebreak: Callable[[str], Any] = lambda key: key,
    limit: int | None = None,
) -> list[Suspect]:
    """``rank`` from counts already made: ``failed`` holds every suspect (in at least one failing trace) with its
    count, ``passed`` the unflagged traces each is in (absent = 0). ``limit`` keeps the first ones only, without
    sorting (or explaining) the rest: a review of a long history has hundreds of thousands of suspects."""

    def score(key: str) -> float:
        return ochiai(failed[key], passed.get(key, 0), total_failed)

    if ranking is Ranking.OCHIAI:
        order: Callable[[str], Any] = lambda key: (-score(key), -failed[key], tiebreak(key))  # noqa: E731
    else:
        order = lambda key: (-failed[key], -score(key), tiebreak(key))  # noqa: E731
    keys = sorted(failed, key=order) if limit is None else heapq.nsmallest(limit, failed, key=order)
    return [suspect(key, failed[key], passed.get(key, 0), total_failed, total_passed) for key in keys]


def rank_groups(
    groups: Mapping[tuple[int, int], list[K]],
    total_failed: int,
    ranking: Ranking,
    tiebreak: Callable[[K], Any],
    limit: int | None = None,
) -> list[tuple[K, int, int]]:
    """``rank_counts``'s order, from suspects grouped by their (failed, passed) counts: (key, failed, passed), most
    suspicious first, the first ``limit`` only.

    Both scores depend on the counts alone, and two groups never tie (equal failed counts and Ochiai values mean
    equal passed counts), so the groups are sorted and only the members of the groups reached are ordered by
    ``tiebreak``: a long history's hundreds of thousands of suspects share a few thousand count pairs."""

    def order(pair: tuple[int, int]) -> tuple[float, float]:
        failed, passed = pair
        score = ochiai(failed, passed, total_failed)
        return (-score, -failed) if ranking is Ranking.OCHIAI else (-failed, -score)

    found: list[tuple[K, int, int]] = []
    for pair in sorted(groups, key=order):
        wanted = None if limit is None else limit - len(found)
        if wanted is not None and wanted <= 0:
            break
        members = groups[pair]
        chosen = sorted(members, key=tiebreak) if wanted is None else heapq.nsmallest(wanted, members, key=tiebreak)
        found.extend((key, *pair) for key in chosen)
    return found


def suspect(key: str, failed: int, passed: int, total_failed: int, total_passed: int) -> Suspect:
    return Suspect(
        key=key,
        failed=failed,
        passed=passed,
        coverage=failed / total_failed,
        ochiai=ochiai(failed, passed, total_failed),
        explanation=explain(failed, passed, total_failed, total_passed),
    )
