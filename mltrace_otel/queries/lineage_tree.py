"""Lineage shapes, built here once for every front end: merged edges (several pointers between two runs are one
edge), and a lineage graph read as a tree, the shape ``trace`` answers take (mltrace's ``web_trace``, the GraphQL
``lineage { tree }``, the CLI's ``mltrace trace`` in both modes, the UI's trace view).

A graph is a DAG (or has cycles, when a run rewrites what it read), so a run several consumers share would repeat
under each of them: it is expanded the first time the walk meets it and marked ``repeated`` after that, which also
ends cycles. The walk is iterative: a thousand-run-deep pipeline must not meet Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mltrace_otel.queries.failed_attempts import FailedAttempt
from mltrace_otel.queries.records import IOPointer, LineageGraph, StaleReason


class EdgeLike(Protocol):
    @property
    def consumer_id(self) -> str: ...

    @property
    def producer_id(self) -> str: ...

    @property
    def via(self) -> str: ...


Neighbours = Mapping[str, Sequence[tuple[str, Sequence[str]]]]


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One line of the tree, in depth-first order."""

    run_id: str
    depth: int
    parent: int | None  # index of the row this one hangs under; None for a root
    via: tuple[str, ...]  # the pointers between it and its parent (empty for a root or a span link)
    repeated: bool  # expanded earlier in the walk: shown, but not expanded again


@dataclass(frozen=True, slots=True)
class MergedEdge:
    """Every edge between two runs as one: the pointers between them in first-seen order (none for a span link)."""

    producer_id: str
    consumer_id: str
    vias: tuple[str, ...]

    @property
    def kind(self) -> str:
        """ "io" when a pointer joins the two runs, "link" when only a span link does."""
        return "io" if self.vias else "link"


def merge_edges(edges: Iterable[EdgeLike]) -> list[MergedEdge]:
    """One edge per (producer, consumer), in the order the pairs first appear; the one place lineage edges merge
    (the GraphQL API, the CLI in both modes and the UI all read the result)."""
    found: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        vias = found.setdefault((edge.producer_id, edge.consumer_id), [])
        if edge.via and edge.via not in vias:
            vias.append(edge.via)
    return [MergedEdge(producer, consumer, tuple(vias)) for (producer, consumer), vias in found.items()]


def neighbours_of(
    merged: Iterable[MergedEdge], *, upstream: bool, order: Callable[[str], Any] | None = None
) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per run, the runs one step away from the root (dependencies upstream, dependents downstream) with the
    pointers between. ``order`` sorts neighbours."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for edge in merged:
        near, far = (edge.consumer_id, edge.producer_id) if upstream else (edge.producer_id, edge.consumer_id)
        found.setdefault(near, []).append((far, edge.vias))
    if order is not None:
        for fars in found.values():
            fars.sort(key=lambda item: order(item[0]))
    return found


def tree_rows(roots: Iterable[str], neighbours: Neighbours) -> list[TreeRow]:
    """The tree under ``roots``, depth first, children in ``neighbours``' order; each run is expanded once."""
    rows: list[TreeRow] = []
    expanded: set[str] = set()
    stack: list[tuple[str, int, int | None, tuple[str, ...]]] = [(r, 0, None, ()) for r in reversed(list(roots))]
    while stack:
        run_id, depth, parent, via = stack.pop()
        repeated = run_id in expanded
        index = len(rows)
        rows.append(TreeRow(run_id, depth, parent, via, repeated))
        if repeated:
            continue
        expanded.add(run_id)
        children = neighbours.get(run_id, ())
        stack.extend((child, depth + 1, index, tuple(vias)) for child, vias in reversed(children))
    return rows


def graph_tree(graph: LineageGraph, *, upstream: bool) -> list[TreeRow]:
    """A lineage graph as the tree ``trace`` shows: from its roots, each run's neighbours oldest first (ties by id),
    a run reached again marked ``repeated``."""
    runs = graph.runs
    neighbours = neighbours_of(merge_edges(graph.edges), upstream=upstream, order=lambda rid: (runs[rid].start_ns, rid))
    return tree_rows([r for r in graph.roots if r in runs], neighbours)


# mltrace's UI icons per pointer kind (Blueprint icon names).
_ICONS = {"data": "database", "model": "function", "endpoint": "flow-end"}


def web_trace_nodes(
    graph: LineageGraph,
    outputs: Mapping[str, Sequence[IOPointer]],
    stale: Mapping[str, Sequence[StaleReason]],
    attempts: Mapping[str, Sequence[FailedAttempt]],
) -> list[dict[str, Any]]:
    """An upstream lineage graph as mltrace's UI tree (Blueprint ``TreeNode``s, as 0.17's ``web_trace``).

    Each run: ``id`` (``componentrun_<run id>``), ``label`` (its component), ``hasCaret``, ``isExpanded``,
    ``stale`` (reason sentences) and ``childNodes``: its outputs (``iopointer_<name>``, ``hasCaret`` false,
    ``parent``, an ``icon`` by kind), then its dependencies. Ours besides: ``runId``, ``status``, ``failed``,
    ``newerFailedAttempts`` (sentences), ``level``, ``via`` and ``shared`` (a run shown before: not expanded
    again, and its ``id`` suffixed so ids stay unique in the tree).
    """
    runs = graph.runs
    used: dict[str, int] = {}

    def unique(node_id: str) -> str:
        seen = used.get(node_id, 0)
        used[node_id] = seen + 1
        return node_id if not seen else f"{node_id}#{seen}"

    roots: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for row in graph_tree(graph, upstream=True):
        run = runs[row.run_id]
        node_id = unique(f"componentrun_{run.id}")
        children: list[dict[str, Any]] = []
        if not row.repeated:
            for pointer in outputs.get(run.id, ()):
                child = {
                    "id": unique(f"iopointer_{pointer.name}"),
                    "label": pointer.name,
                    "hasCaret": False,
                    "parent": node_id,
                    "flagged": pointer.flagged,
                }
                if pointer.kind in _ICONS:
                    child["icon"] = _ICONS[pointer.kind]
                children.append(child)
        node = {
            "id": node_id,
            "label": run.component or run.name,
            "hasCaret": True,
            "isExpanded": not row.repeated,
            "stale": [r.reason for r in stale.get(run.id, ())],
            "childNodes": children,
            "runId": run.id,
            "status": run.status_code,
            "failed": run.failed,
            "newerFailedAttempts": [a.reason for a in attempts.get(run.id, ())],
            "level": row.depth,
            "via": list(row.via),
            "shared": row.repeated,
        }
        nodes.append(node)
        (roots if row.parent is None else nodes[row.parent]["childNodes"]).append(node)
    return roots
