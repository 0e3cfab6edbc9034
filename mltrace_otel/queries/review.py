"""Review of flagged outputs: which runs do the wrong outputs share, and which look guilty?

mltrace counted, per run, how many flagged outputs' traces contain it ("coverage"). A run upstream of *every*
output (ingest, say) then tops the list whether or not it is at fault. We also score each run with Ochiai, from
spectrum-based fault localisation, treating outputs as test cases: flagged outputs failed, unflagged outputs of
the same components passed, and a run is "executed" by an output when it is in that output's trace:

    ochiai(run) = failed(run) / sqrt(total_failed * (failed(run) + passed(run)))

A run in many flagged and few unflagged traces scores near 1; one in every trace scores sqrt(F / (F + P)).
Components are scored the same way, an output executing a component when any run of it is in the output's trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, latest_producers, upstream_sets
from mltrace_otel.queries.pointers import flagged_pointers
from mltrace_otel.queries.records import IOPointer, Run
from mltrace_otel.queries.runs import chunks, runs_by_ids
from mltrace_otel.queries.scoring import Ranking, rank
from mltrace_otel.store.models import io_pointers, run_io, spans

# Unflagged outputs compared against: the most recent ones of the flagged outputs' components. Bounds the cost
# of review on stores with millions of predictions; ``Review.passing_capped`` says when the cap was reached.
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
    producers: dict[str, str] = field(default_factory=dict)  # flagged output -> the run that last produced it
    ranking: Ranking = Ranking.OCHIAI
    passing_capped: bool = False  # more unflagged outputs existed than MAX_PASSING_OUTPUTS compared against


def _passing_outputs(conn: Connection, components: set[str], flagged: set[str]) -> tuple[list[str], bool]:
    """The most recent unflagged outputs of ``components``, and whether there were more than the cap."""
    if not components:
        return [], False
    stmt = (
        select(run_io.c.pointer)
        .join(io_pointers, io_pointers.c.name == run_io.c.pointer)
        .where(run_io.c.direction == "out", run_io.c.component.in_(components), io_pointers.c.flagged.is_(False))
        .group_by(run_io.c.pointer)
        .order_by(func.max(run_io.c.end_ns).desc(), run_io.c.pointer)
        .limit(MAX_PASSING_OUTPUTS + 1)
    )
    found = [p for p in conn.execute(stmt).scalars() if p not in flagged]
    return found[:MAX_PASSING_OUTPUTS], len(found) > MAX_PASSING_OUTPUTS


def _traces(conn: Connection, roots: Iterable[str], max_depth: int) -> dict[str, set[str]]:
    traces: dict[str, set[str]] = {}
    for part in chunks(list(roots)):
        traces.update(upstream_sets(conn, part, max_depth))
    return traces


def _component_names(conn: Connection, run_ids: Iterable[str]) -> dict[str, str]:
    """Run id -> component (span name for plain spans reached by a span link); one light statement per 2,000."""
    found: dict[str, str] = {}
    for part in chunks(list(run_ids)):
        stmt = select(spans.c.span_id, func.coalesce(spans.c.component, spans.c.name)).where(spans.c.span_id.in_(part))
        found.update({rid: name for rid, name in conn.execute(stmt)})
    return found


def review(
    conn: Connection,
    limit: int | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    *,
    rank_by: Ranking | str = Ranking.OCHIAI,
) -> Review:
    """Rank the runs (and components) in the traces of flagged outputs, most suspicious first.

    A fixed number of statements whatever the pipeline's size (one more per 2,000 keys of a batch). ``limit``
    bounds the runs returned; components are all returned.
    """
    if limit is not None and limit < 1:
        raise InvalidArgument(f"limit must be at least 1 (got {limit})")
    try:
        ranking = Ranking(rank_by)
    except ValueError as exc:
        choices = ", ".join(r.value for r in Ranking)
        raise InvalidArgument(f"unknown ranking {rank_by!r}; choose one of {choices}") from exc
    flagged = flagged_pointers(conn)
    names = [p.name for p in flagged]
    producers = latest_producers(conn, names)
    unproduced = [n for n in names if n not in producers]
    failing_roots = {n: producers[n] for n in names if n in producers}
    if not failing_roots:
        return Review(flagged=flagged, unproduced=unproduced, total_failed=0, total_passed=0, ranking=ranking)

    root_components = _component_names(conn, set(failing_roots.values()))
    passing_names, capped = _passing_outputs(conn, set(root_components.values()), set(names))
    passing_roots = latest_producers(conn, passing_names)
    traces = _traces(conn, {*failing_roots.values(), *passing_roots.values()}, max_depth)

    total_failed, total_passed = len(failing_roots), len(passing_roots)
    failing = {output: traces.get(root, set()) for output, root in failing_roots.items()}
    passing = {output: traces.get(root, set()) for output, root in passing_roots.items()}
    runs = runs_by_ids(conn, list({rid: None for suspects in failing.values() for rid in suspects}))
    newest_first = {rid: (-run.start_ns, rid) for rid, run in runs.items()}
    scores = [
        RunScore(runs[s.key], s.failed, s.passed, s.coverage, s.ochiai, s.explanation)
        for s in rank(failing, passing, ranking, lambda rid: newest_first.get(rid, (0, rid)))
        if s.key in runs
    ]
    component_of = _component_names(
        conn, {rid for suspects in [*failing.values(), *passing.values()] for rid in suspects}
    )
    runs_of: dict[str, set[str]] = {}
    for suspects in failing.values():
        for rid in suspects:
            runs_of.setdefault(component_of[rid], set()).add(rid)
    component_scores = [
        ComponentScore(s.key, s.failed, s.passed, len(runs_of[s.key]), s.coverage, s.ochiai, s.explanation)
        for s in rank(
            {output: {component_of[rid] for rid in suspects} for output, suspects in failing.items()},
            {output: {component_of[rid] for rid in suspects} for output, suspects in passing.items()},
            ranking,
        )
    ]
    return Review(
        flagged=flagged,
        unproduced=unproduced,
        total_failed=total_failed,
        total_passed=total_passed,
        runs=scores[:limit] if limit else scores,
        components=component_scores,
        producers=failing_roots,
        ranking=ranking,
        passing_capped=capped,
    )
