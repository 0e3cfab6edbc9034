"""Lineage: ``trace`` (a tree) and ``lineage`` (a table, either direction)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.text import Text

from mltrace_otel.cli.app import JsonOption, app, backend, emit, reports_errors
from mltrace_otel.cli.render import STALE
from mltrace_otel.cli.render_graph import lineage_table, trace_tree
from mltrace_otel.cli.views import GraphView
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH

OutputArgument = Annotated[
    str, typer.Argument(metavar="OUTPUT_ID", help="An output id or IO pointer (a path, table, model id...).")
]
DepthOption = Annotated[int, typer.Option("--depth", min=0, metavar="N", help="How many hops to follow at most.")]


def _with_cut_warning(graph: GraphView, body: RenderableType) -> RenderableType:
    if not graph.truncated:
        return body
    note = Text(f"⚠ the graph was cut at {len(graph.runs)} runs; lower --depth to see a complete part", style=STALE)
    return Group(body, note)


@app.command()
@reports_errors
def trace(
    ctx: typer.Context, output: OutputArgument, depth: DepthOption = DEFAULT_MAX_DEPTH, as_json: JsonOption = False
) -> None:
    """The runs that produced an output, as a tree: its latest producer, then dependencies, recursively.

    Markers: ✗ failed, ⚠ stale (reasons listed under the run), ⚑ flagged output. A run that several branches
    share is expanded once and marked "shown above" after that.
    """
    graph = backend(ctx).graph(output, downstream=False, max_depth=depth)
    emit(as_json, graph, lambda: _with_cut_warning(graph, trace_tree(graph)))


@app.command()
@reports_errors
def lineage(
    ctx: typer.Context,
    output: OutputArgument,
    downstream: Annotated[
        bool, typer.Option("--downstream", help="Follow what was made from the output instead of what made it.")
    ] = False,
    depth: DepthOption = DEFAULT_MAX_DEPTH,
    as_json: JsonOption = False,
) -> None:
    """The whole lineage graph of an output as a table by distance: upstream (default) or --downstream."""
    graph = backend(ctx).graph(output, downstream=downstream, max_depth=depth)
    emit(as_json, graph, lambda: _with_cut_warning(graph, lineage_table(graph)))
