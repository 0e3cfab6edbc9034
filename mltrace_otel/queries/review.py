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

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, column, func, select, text

from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.queries.lineage import UpstreamGraph, json_keys, producer_choice, upstream_graph
from mltrace_otel.queries.pointers import flagged_pointers
from mltrace_otel.queries.records import IOPointer, Run
from mltrace_otel.queries.runs import RUN_COLUMNS, run_from_row
from mltrace_otel.queries.scoring import Ranking, rank_counts
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


def _flagged_producers(conn: Connection) -> dict[str, tuple[str, str]]:
    """Flagged output -> (the run that last produced it, that run's component): one statement for any number."""
    chosen = producer_choice(select(io_pointers.c.name).where(io_pointers.c.flagged.is_(True))).subquery()
    stmt = select(chosen.c.pointer, chosen.c.span_id, func.coalesce(spans.c.component, spans.c.name)).join(
        spans, spans.c.span_id == chosen.c.span_id
    )
    return {pointer: (run_id, component) for pointer, run_id, component in conn.execute(stmt)}


def _passing_producers(conn: Connection, components: set[str]) -> tuple[dict[str, str], bool]:
    """The most recent unflagged outputs of ``components`` with their latest producers, and whether there were
    more than the cap; one statement."""
    if not components:
        return {}, False
    passing = (
        select(
            run_io.c.pointer,
            func.row_number().over(order_by=(func.max(run_io.c.end_ns).desc(), run_io.c.pointer)).label("position"),
        )
        .join(io_pointers, io_pointers.c.name == run_io.c.pointer)
        .where(run_io.c.direction == "out", run_io.c.component.in_(components), io_pointers.c.flagged.is_(False))
        .group_by(run_io.c.pointer)
        .order_by(func.max(run_io.c.end_ns).desc(), run_io.c.pointer)
        .limit(MAX_PASSING_OUTPUTS + 1)
        .cte("passing")
    )
    chosen = producer_choice(select(passing.c.pointer)).subquery()
    stmt = select(chosen.c.pointer, chosen.c.span_id, passing.c.position).join(
        passing, passing.c.pointer == chosen.c.pointer
    )
    found: dict[str, str] = {}
    capped = False
    for pointer, run_id, position in sorted(conn.execute(stmt), key=lambda row: row[2]):
        if position > MAX_PASSING_OUTPUTS:
            capped = True
        else:
            found[pointer] = run_id
    return found, capped


def _reach(graph: UpstreamGraph, own: Mapping[str, int]) -> dict[str, int]:
    """Run id -> the bit set of the roots that reach it: its own bits or'ed with those of every run it feeds.

    Each run's bits pass to its producers once all of its consumers are done (a topological pass); runs on a
    cycle (a run rewriting its own input, links that loop) and those upstream of one are then settled by
    passing bits on until nothing changes (bits only grow, so it ends)."""
    bits = {rid: own.get(rid, 0) for rid in graph.names}
    producers = {rid: [p for p in found if p in bits] for rid, found in graph.producers.items()}
    waiting: Counter[str] = Counter(p for found in producers.values() for p in found)
    ready = [rid for rid in bits if not waiting[rid]]
    while ready:
        rid = ready.pop()
        passed_on = bits[rid]
        for p in producers[rid]:
            bits[p] |= passed_on
            waiting[p] -= 1
            if not waiting[p]:
                ready.append(p)
    pending = [rid for rid, count in waiting.items() if count > 0]
    queued = set(pending)
    while pending:
        rid = pending.pop()
        queued.discard(rid)
        for p in producers[rid]:
            merged = bits[p] | bits[rid]
            if merged != bits[p]:
                bits[p] = merged
                if p not in queued:
                    queued.add(p)
                    pending.append(p)
    return bits


def _runs(conn: Connection, ids: list[str]) -> dict[str, Run]:
    """The runs of the scores returned, in one statement however many."""
    keys = text(json_keys(conn, "ids")).columns(column("value"))
    stmt = select(*RUN_COLUMNS).where(spans.c.span_id.in_(keys))
    return {run.id: run for run in (run_from_row(row) for row in conn.execute(stmt, {"ids": json.dumps(ids)}))}


def review(
    conn: Connection,
    limit: int | None = None,
    *,
    rank_by: Ranking | str = Ranking.OCHIAI,
) -> Review:
    """Rank the runs (and components) in the traces of flagged outputs, most suspicious first.

    Five statements whatever the number of flagged outputs and the pipeline's size: flags, their producers, the
    unflagged outputs compared against and theirs, one shared walk upstream of all of those producers (each run
    visited once), and the runs returned. Which traces hold a run is counted in memory, one bit per output.
    ``limit`` bounds the runs returned; components are all returned.
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
    producers = _flagged_producers(conn) if names else {}
    unproduced = [n for n in names if n not in producers]
    failing_roots = {n: producers[n][0] for n in names if n in producers}
    if not failing_roots:
        return Review(flagged=flagged, unproduced=unproduced, total_failed=0, total_passed=0, ranking=ranking)

    passing_roots, capped = _passing_producers(conn, {producers[n][1] for n in failing_roots})
    graph = upstream_graph(conn, list({*failing_roots.values(), *passing_roots.values()}))

    # One bit per output: the flagged ones first, then the unflagged ones.
    total_failed, total_passed = len(failing_roots), len(passing_roots)
    own: dict[str, int] = {}
    for bit, root in enumerate([*failing_roots.values(), *passing_roots.values()]):
        own[root] = own.get(root, 0) | (1 << bit)
    reached = _reach(graph, own)
    failing_mask = (1 << total_failed) - 1

    failed: dict[str, int] = {}
    passed: dict[str, int] = {}
    component_bits: dict[str, int] = {}
    runs_of: Counter[str] = Counter()
    for rid, name in graph.names.items():
        # A plain span (reached through a span link) is in no trace but its own output's.
        traces = reached[rid] if graph.is_run[rid] else own.get(rid, 0)
        if not traces:
            continue
        component_bits[name] = component_bits.get(name, 0) | traces
        if traces & failing_mask:
            failed[rid] = (traces & failing_mask).bit_count()
            passed[rid] = (traces >> total_failed).bit_count()
            runs_of[name] += 1

    newest_first = {rid: (-graph.start_ns[rid], rid) for rid in failed}
    ranked = rank_counts(failed, passed, total_failed, total_passed, ranking, newest_first.__getitem__, limit)
    runs = _runs(conn, [s.key for s in ranked])
    scores = [
        RunScore(runs[s.key], s.failed, s.passed, s.coverage, s.ochiai, s.explanation) for s in ranked if s.key in runs
    ]
    component_failed = {
        name: (bits & failing_mask).bit_count() for name, bits in component_bits.items() if bits & failing_mask
    }
    component_passed = {name: (component_bits[name] >> total_failed).bit_count() for name in component_failed}
    component_scores = [
        ComponentScore(s.key, s.failed, s.passed, runs_of[s.key], s.coverage, s.ochiai, s.explanation)
        for s in rank_counts(component_failed, component_passed, total_failed, total_passed, ranking)
    ]
    return Review(
        flagged=flagged,
        unproduced=unproduced,
        total_failed=total_failed,
        total_passed=total_passed,
        runs=scores,
        components=component_scores,
        producers=failing_roots,
        ranking=ranking,
        passing_capped=capped,
    )
