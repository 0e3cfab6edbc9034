"""Lineage graphs on a terminal: ``trace`` as a tree, ``lineage`` as a table by distance."""

from __future__ import annotations

from collections import defaultdict

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mltrace_otel.cli.render import DIM, STALE, format_duration, format_time, markers, pointer_list
from mltrace_otel.cli.views import GraphView, RunView


def _neighbours(graph: GraphView) -> dict[str, dict[str, list[str]]]:
    """Per run, the next runs away from the root (dependencies upstream, dependents downstream) and the vias."""
    upstream = graph.direction == "upstream"
    found: defaultdict[str, dict[str, list[str]]] = defaultdict(dict)
    for edge in graph.edges:
        near, far = (edge.consumer_id, edge.producer_id) if upstream else (edge.producer_id, edge.consumer_id)
        vias = found[near].setdefault(far, [])
        if edge.via and edge.via not in vias:
            vias.append(edge.via)
    return found


def _label(run: RunView, vias: list[str], *, repeated: bool) -> Text:
    text = Text()
    text.append(run.label, style="bold").append(f" {run.id}")
    if repeated:
        text.append("  ↑ shown above", style=DIM)
        return text
    text.append(f"  {format_time(run.start)}  {format_duration(run.duration_ms)}", style=DIM)
    text.append_text(markers(run))
    if run.outputs:
        text.append("  → ", style=DIM).append_text(pointer_list(run.outputs, 3, flag_marks=False))
    if vias:
        text.append(f"  (via {', '.join(vias)})", style=DIM)
    return text


def trace_tree(graph: GraphView) -> Tree:
    """The trace as a tree; a run reached twice (a shared ancestor) is expanded once and referenced after."""
    runs = {r.id: r for r in graph.runs}
    neighbours = _neighbours(graph)
    upstream = graph.direction == "upstream"
    title = f"trace of {graph.output}" if upstream else f"downstream of {graph.output}"
    tree = Tree(Text(title, style="bold"))
    expanded: set[str] = set()
    # Iterative depth-first walk: a thousand-run-deep pipeline must not hit Python's recursion limit.
    stack: list[tuple[Tree, str, list[str]]] = [(tree, rid, []) for rid in reversed(graph.roots) if rid in runs]
    while stack:
        parent, rid, vias = stack.pop()
        run = runs[rid]
        repeated = rid in expanded
        node = parent.add(_label(run, vias, repeated=repeated))
        if repeated:
            continue
        expanded.add(rid)
        for reason in run.stale:
            node.add(Text("⚠ " + reason.reason, style=STALE))
        shown = neighbours.get(rid, {})
        beyond = len({n.run_id for n in (run.dependencies if upstream else run.dependents)} - set(shown))
        if beyond:
            node.add(Text(f"… {beyond} more beyond --depth or the node cap", style=DIM))
        ordered = sorted(shown.items(), key=lambda item: (runs[item[0]].start, item[0]))
        stack.extend((node, child, child_vias) for child, child_vias in reversed(ordered))
    return tree


def lineage_table(graph: GraphView) -> Table:
    upstream = graph.direction == "upstream"
    neighbours = _neighbours(graph)
    table = Table(
        title=f"{graph.direction} lineage of {graph.output}: {len(graph.runs)} runs, {len(graph.edges)} edges",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("depth", justify="right", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("component", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("markers")
    table.add_column("depends on" if upstream else "used by")
    ordered = sorted(graph.runs, key=lambda r: (graph.depths.get(r.id, 0), r.start, r.id))
    for run in ordered:
        near = neighbours.get(run.id, {})
        table.add_row(
            str(graph.depths.get(run.id, 0)),
            Text(run.id),
            Text(run.label),
            format_time(run.start),
            format_duration(run.duration_ms),
            markers(run),
            Text(" ".join(near) or "-"),
        )
    return table
