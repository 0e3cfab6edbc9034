"""The lineage tree walk shared by web_trace and the CLI: depth-first, each run expanded once, any depth."""

from __future__ import annotations

from dataclasses import dataclass

from mltrace_otel.queries.lineage_tree import MergedEdge, merge_edges, neighbours_of, tree_rows


@dataclass(frozen=True)
class E:
    consumer_id: str
    producer_id: str
    via: str


def test_a_diamond_expands_the_shared_ancestor_once_and_marks_it_after() -> None:
    edges = [E("top", "left", "l.csv"), E("top", "right", "r.csv"), E("left", "base", "b"), E("right", "base", "b")]
    rows = tree_rows(["top"], neighbours_of(merge_edges(edges), upstream=True, order=str))
    assert [(r.run_id, r.depth, r.repeated, r.via) for r in rows] == [
        ("top", 0, False, ()),
        ("left", 1, False, ("l.csv",)),
        ("base", 2, False, ("b",)),
        ("right", 1, False, ("r.csv",)),
        ("base", 2, True, ("b",)),
    ]
    assert [r.parent for r in rows] == [None, 0, 1, 0, 3]


def test_pointers_between_two_runs_merge_and_downstream_walks_the_other_way() -> None:
    edges = [E("b", "a", "x"), E("b", "a", "y"), E("c", "b", "")]
    assert merge_edges(edges) == [MergedEdge("a", "b", ("x", "y")), MergedEdge("b", "c", ())]
    assert [m.kind for m in merge_edges(edges)] == ["io", "link"]
    assert neighbours_of(merge_edges(edges), upstream=True) == {"b": [("a", ("x", "y"))], "c": [("b", ())]}
    rows = tree_rows(["a"], neighbours_of(merge_edges(edges), upstream=False))
    assert [(r.run_id, r.depth) for r in rows] == [("a", 0), ("b", 1), ("c", 2)]


def test_a_cycle_ends() -> None:
    rows = tree_rows(["a"], neighbours_of(merge_edges([E("a", "b", "x"), E("b", "a", "y")]), upstream=True))
    assert [(r.run_id, r.repeated) for r in rows] == [("a", False), ("b", False), ("a", True)]


def test_a_chain_far_deeper_than_the_recursion_limit() -> None:
    edges = [E(f"r{i}", f"r{i + 1}", f"d{i}") for i in range(5_000)]
    rows = tree_rows(["r0"], neighbours_of(merge_edges(edges), upstream=True))
    assert len(rows) == 5_001 and rows[-1].depth == 5_000 and rows[-1].parent == 4_999
