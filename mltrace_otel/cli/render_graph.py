"""Lineage graphs on a terminal: ``trace`` as a tree, ``lineage`` as a table by distance."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mltrace_otel.cli.render import DIM, FAILED, STALE, format_duration, format_time, markers, pointer_list
from mltrace_otel.cli.views import GraphView, RunView
from mltrace_otel.queries.lineage_tree import neighbours_of


def _neighbours(graph: GraphView) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per run, the next runs away from the root (dependencies upstream, dependents downstream), oldest first."""
    starts = {r.id: r.start for r in graph.runs}
    merged = [e for e in graph.merged if e.consumer_id in starts and e.producer_id in starts]
    return neighbours_of(merged, upstream=graph.direction == "upstream", order=lambda rid: (starts[rid], rid))


# Deeper than this, rows stop indenting (each level costs four columns of a ~120-column line) and show their
# depth instead: a 1,000-run chain stays readable, in the same depth-first order.
MAX_INDENT = 12


def _label(run: RunView, vias: list[str], *, repeated: bool, depth: int | None = None) -> Text:
    text = Text()
    if depth is not None:
        text.append(f"[{depth}] ", style=DIM)
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
    """The trace as a tree; a run reached twice (a shared ancestor) is expanded once and referenced after.
    Rows deeper than ``MAX_INDENT`` hang flat under their ancestor at that depth, labelled with their depth."""
    runs = {r.id: r for r in graph.runs}
    upstream = graph.direction == "upstream"
    title = f"trace of {graph.output}" if upstream else f"downstream of {graph.output}"
    tree = Tree(Text(title, style="bold"))
    holders: list[Tree] = []  # per row: the node its children hang under
    shown: dict[int, set[str]] = {}  # per row index: the runs hanging under it
    for row in graph.tree:
        if row.parent is not None:
            shown.setdefault(row.parent, set()).add(row.run_id)
    for index, row in enumerate(graph.tree):
        run = runs[row.run_id]
        parent = tree if row.parent is None else holders[row.parent]
        deep = row.depth > MAX_INDENT
        node = parent.add(_label(run, list(row.via), repeated=row.repeated, depth=row.depth if deep else None))
        holders.append(parent if deep else node)
        if row.repeated:
            continue
        for reason in run.stale:
            node.add(Text("⚠ " + reason.reason, style=STALE))
        for attempt in run.newer_failed_attempts:
            node.add(Text("✗ " + attempt.reason, style=FAILED))
        beyond = len({n.run_id for n in (run.dependencies if upstream else run.dependents)} - shown.get(index, set()))
        if beyond:
            node.add(Text(f"… {beyond} more beyond --depth or the node cap", style=DIM))
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
        near = [far for far, _ in neighbours.get(run.id, ())]
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
