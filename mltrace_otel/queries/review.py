"""Review of flagged outputs: which runs do the wrong outputs share, and which look guilty?

mltrace counted, per run, how many flagged outputs' traces contain it ("coverage"). A run upstream of *every*
output (ingest, say) then tops the list whether or not it is at fault. We also score each run with Ochiai, from
spectrum-based fault localisation, treating outputs as test cases: flagged outputs failed, unflagged outputs of
the same components passed, and a run is "executed" by an output when it is in that output's trace:

    ochiai(run) = failed(run) / sqrt(total_failed * (failed(run) + passed(run)))

A run in many flagged and few unflagged traces scores near 1; one in every trace scores sqrt(F / (F + P)).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, latest_producers, upstream_sets
from mltrace_otel.queries.pointers import flagged_pointers
from mltrace_otel.queries.records import IOPointer, Run
from mltrace_otel.queries.runs import runs_by_ids
from mltrace_otel.store.models import io_pointers, run_io

# Unflagged outputs compared against: the most recent ones of the flagged outputs' components. Bounds the cost
# of review on stores with millions of predictions; the cap is reported in the result.
MAX_PASSING_OUTPUTS = 5_000


@dataclass(frozen=True)
class RunScore:
    run: Run
    failed: int  # flagged outputs whose trace contains this run
    passed: int  # unflagged outputs whose trace contains this run
    coverage: float  # failed / total flagged (mltrace's count, normalised)
    ochiai: float
    explanation: str


@dataclass(frozen=True)
class ComponentScore:
    component: str
    failed: int
    passed: int
    runs: int  # distinct runs of it in flagged traces
    coverage: float
    ochiai: float
    explanation: str


@dataclass(frozen=True)
class Review:
    flagged: list[IOPointer]
    unproduced: list[str]  # flagged outputs no stored run produced: reported, not fatal
    total_failed: int
    total_passed: int
    runs: list[RunScore] = field(default_factory=list)
    components: list[ComponentScore] = field(default_factory=list)


def ochiai(failed: int, passed: int, total_failed: int) -> float:
    denominator = math.sqrt(total_failed * (failed + passed))
    return failed / denominator if denominator else 0.0


def _explain(failed: int, passed: int, total_failed: int, total_passed: int) -> str:
    score = ochiai(failed, passed, total_failed)
    return (
        f"in {failed} of {total_failed} flagged and {passed} of {total_passed} unflagged output traces; "
        f"Ochiai = {failed}/sqrt({total_failed}*({failed}+{passed})) = {score:.3f}"
    )


def _passing_outputs(conn: Connection, components: set[str], flagged: set[str]) -> list[str]:
    if not components:
        return []
    stmt = (
        select(run_io.c.pointer)
        .join(io_pointers, io_pointers.c.name == run_io.c.pointer)
        .where(run_io.c.direction == "out", run_io.c.component.in_(components), io_pointers.c.flagged.is_(False))
        .group_by(run_io.c.pointer)
        .order_by(func.max(run_io.c.end_ns).desc())
        .limit(MAX_PASSING_OUTPUTS + len(flagged))
    )
    return [p for p in conn.execute(stmt).scalars() if p not in flagged][:MAX_PASSING_OUTPUTS]


def review(conn: Connection, limit: int | None = None, max_depth: int = DEFAULT_MAX_DEPTH) -> Review:
    """Rank the runs (and components) in the traces of flagged outputs; a fixed number of statements."""
    flagged = flagged_pointers(conn)
    names = [p.name for p in flagged]
    producers = latest_producers(conn, names)
    unproduced = [n for n in names if n not in producers]
    failing_roots = {n: producers[n] for n in names if n in producers}
    if not failing_roots:
        return Review(flagged=flagged, unproduced=unproduced, total_failed=0, total_passed=0)
    root_runs = runs_by_ids(conn, list(set(failing_roots.values())))
    components = {r.component for r in root_runs.values() if r.component}
    passing_names = _passing_outputs(conn, components, set(names))
    passing_roots = latest_producers(conn, passing_names)
    traces = upstream_sets(conn, [*failing_roots.values(), *passing_roots.values()], max_depth)

    failed: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for root in failing_roots.values():
        failed.update(traces.get(root, set()))
    for root in passing_roots.values():
        passed.update(traces.get(root, set()))
    total_failed, total_passed = len(failing_roots), len(passing_roots)

    runs = runs_by_ids(conn, list(failed))
    scores = [
        RunScore(
            run=runs[rid],
            failed=failed[rid],
            passed=passed[rid],
            coverage=failed[rid] / total_failed,
            ochiai=ochiai(failed[rid], passed[rid], total_failed),
            explanation=_explain(failed[rid], passed[rid], total_failed, total_passed),
        )
        for rid in failed
        if rid in runs
    ]
    scores.sort(key=lambda s: (-s.ochiai, -s.failed, -s.run.start_ns, s.run.id))

    # Per component: an output "executes" a component when any run of it is in the output's trace.
    comp_failed: defaultdict[str, set[str]] = defaultdict(set)
    comp_passed: defaultdict[str, set[str]] = defaultdict(set)
    comp_runs: defaultdict[str, set[str]] = defaultdict(set)
    component_of = {rid: r.component or r.name for rid, r in runs.items()}
    passing_only = set().union(*(traces.get(r, set()) for r in passing_roots.values())) - set(runs)
    component_of.update({rid: r.component or r.name for rid, r in runs_by_ids(conn, list(passing_only)).items()})
    for output, root in failing_roots.items():
        for rid in traces.get(root, set()):
            comp_failed[component_of[rid]].add(output)
            comp_runs[component_of[rid]].add(rid)
    for output, root in passing_roots.items():
        for rid in traces.get(root, set()):
            if rid in component_of:
                comp_passed[component_of[rid]].add(output)
    component_scores = [
        ComponentScore(
            component=name,
            failed=len(outs),
            passed=len(comp_passed[name]),
            runs=len(comp_runs[name]),
            coverage=len(outs) / total_failed,
            ochiai=ochiai(len(outs), len(comp_passed[name]), total_failed),
            explanation=_explain(len(outs), len(comp_passed[name]), total_failed, total_passed),
        )
        for name, outs in comp_failed.items()
    ]
    component_scores.sort(key=lambda s: (-s.ochiai, -s.failed, s.component))
    return Review(
        flagged=flagged,
        unproduced=unproduced,
        total_failed=total_failed,
        total_passed=total_passed,
        runs=scores[:limit] if limit else scores,
        components=component_scores,
    )
