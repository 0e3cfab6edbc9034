"""Property: whatever order spans arrive in, and however they are split into batches, the stored lineage equals
the in-order one and docs/design.md §2's definition, computed here independently in plain Python (failed runs included:
they produce only when no successful run qualifies; runs that opted out of lineage through inputs)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, text

from mltrace_otel.span_record import SpanLinkRecord, SpanRecord
from mltrace_otel.store.ingest import ingest_spans

_examples = itertools.count(1)
BASE_NS = 1_700_000_000 * 10**9


@dataclass(frozen=True)
class PlannedRun:
    index: int
    start: int  # nanoseconds after BASE_NS, small so that ties happen
    end: int
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    links: tuple[int, ...]  # indexes of other runs
    rank: int  # order of span ids, independent of times, for tie-breaking
    failed: bool = False
    traced: bool = True  # False: mltrace's set_dependencies_from_inputs=False (span links only)


@st.composite
def pipelines(draw: st.DrawFn) -> list[PlannedRun]:
    n = draw(st.integers(2, 10))
    pointers = [f"p{i}" for i in range(draw(st.integers(1, 4)))]
    ranks = draw(st.permutations(range(n)))
    runs = []
    for i in range(n):
        start = draw(st.integers(0, 12))
        runs.append(
            PlannedRun(
                index=i,
                start=start,
                end=start + draw(st.sampled_from([0, 0, 1, 2, 5])),
                inputs=tuple(draw(st.lists(st.sampled_from(pointers), max_size=3, unique=True))),
                outputs=tuple(draw(st.lists(st.sampled_from(pointers), max_size=2, unique=True))),
                links=tuple(draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True)))
                if draw(st.booleans())
                else (),
                rank=ranks[i],
                failed=draw(st.sampled_from([False, False, True])),
                traced=draw(st.sampled_from([True, True, True, False])),
            )
        )
    return runs


def expected_edges(runs: list[PlannedRun]) -> set[tuple[int, int, str, str]]:
    """docs/design.md §2 by its words: (consumer, producer, via, kind) over run indexes."""
    edges: set[tuple[int, int, str, str]] = set()
    for r in runs:
        for x in r.inputs if r.traced else ():
            producers = [p for p in runs if x in p.outputs and p.index != r.index]
            best = _choose([p for p in producers if not p.failed], r) or _choose([p for p in producers if p.failed], r)
            if best is not None:
                edges.add((r.index, best.index, x, "io"))
        for target in r.links:
            if target != r.index:
                edges.add((r.index, target, "", "link"))
    return edges


def _choose(producers: list[PlannedRun], consumer: PlannedRun) -> PlannedRun | None:
    """The latest producer that ended before the consumer started, else the latest that started before it."""
    ended = [p for p in producers if p.end <= consumer.start]
    if ended:
        return max(ended, key=lambda p: (p.end, p.rank))
    started = [p for p in producers if p.start < consumer.start]
    return max(started, key=lambda p: (p.start, p.rank)) if started else None


class Copy:
    """One stored copy of a planned pipeline: its own span ids and pointer names, so copies never interact."""

    def __init__(self, runs: list[PlannedRun], example: int, copy: int) -> None:
        self.prefix = f"{example:06x}{copy:x}"
        self.pointer_prefix = f"ex{example}-{copy}-"
        self.runs = runs

    def span_id(self, run: PlannedRun) -> str:
        return f"{self.prefix}{run.rank + 1:09x}"

    def record(self, run: PlannedRun) -> SpanRecord:
        trace = f"{self.prefix}{'0' * 24}{run.index + 1:01x}"
        attrs: dict[str, object] = {"mltrace.component": f"c{run.index % 3}"}
        if not run.traced:
            attrs["mltrace.dependencies_from_inputs"] = False
        if run.inputs:
            attrs["mltrace.inputs"] = [self.pointer_prefix + p for p in run.inputs]
        if run.outputs:
            attrs["mltrace.outputs"] = [self.pointer_prefix + p for p in run.outputs]
        return SpanRecord(
            trace_id=trace,
            span_id=self.span_id(run),
            parent_span_id=None,
            name=f"c{run.index % 3}",
            kind="INTERNAL",
            start_ns=BASE_NS + run.start,
            end_ns=BASE_NS + run.end,
            status_code="ERROR" if run.failed else "UNSET",
            attributes=attrs,
            links=tuple(
                SpanLinkRecord(trace_id=f"{self.prefix}{'0' * 24}{t + 1:01x}", span_id=self.span_id(self.runs[t]))
                for t in run.links
            ),
        )

    def stored_edges(self, engine: Engine) -> set[tuple[int, int, str, str]]:
        by_id = {self.span_id(r): r.index for r in self.runs}
        stmt = text("SELECT consumer_id, producer_id, via, kind FROM run_edges WHERE consumer_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        with engine.connect() as conn:
            rows = conn.execute(stmt, {"ids": list(by_id)}).all()
        return {(by_id[c], by_id[p], v.removeprefix(self.pointer_prefix) if k == "io" else v, k) for c, p, v, k in rows}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(runs=pipelines(), data=st.data())
def test_shuffled_arrival_in_random_batches_gives_the_in_order_edges(
    engine: Engine, runs: list[PlannedRun], data: st.DataObject
) -> None:
    example = next(_examples)
    in_order, shuffled = Copy(runs, example, 1), Copy(runs, example, 2)

    # In order: each run delivered alone, as a live exporter would, in the order runs ended.
    for run in sorted(runs, key=lambda r: (r.end, r.start, r.index)):
        ingest_spans(engine, [in_order.record(run)])

    # Shuffled, in random batches, with some spans delivered twice (an exporter retrying).
    order = data.draw(st.permutations(runs), label="arrival order")
    repeats = data.draw(st.lists(st.sampled_from(runs), max_size=3), label="re-delivered")
    arrivals = [shuffled.record(r) for r in [*order, *repeats]]
    cuts = sorted(data.draw(st.sets(st.integers(1, len(arrivals) - 1), max_size=4), label="batch cuts"))
    for lo, hi in itertools.pairwise([0, *cuts, len(arrivals)]):
        ingest_spans(engine, arrivals[lo:hi])

    expected = expected_edges(runs)
    assert in_order.stored_edges(engine) == expected
    assert shuffled.stored_edges(engine) == expected
