"""Rich renderings of runs and components. User data always goes in as ``Text``, never as markup."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from mltrace_otel.cli.fitted_table import Column, FittedTable
from mltrace_otel.cli.views import ComponentView, DependencyView, InspectView, PointerView, RunView

FAILED = "red"
STALE = "yellow"
FLAGGED = "magenta"
DIM = "dim"


def make_console(stderr: bool = False) -> Console:
    """A console on the current stdout (or stderr); wide when piped, so ids and times are not folded."""
    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty() and not os.environ.get("COLUMNS"):
        width = 160
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def format_time(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def format_duration(ms: float) -> str:
    """Durations as people read them (mltrace printed minutes + seconds/10 as "minutes")."""
    if ms < 1:
        return f"{ms:.3f} ms"
    if ms < 1_000:
        return f"{ms:.0f} ms"
    seconds = ms / 1_000
    if seconds < 60:
        return f"{seconds:.2f} s"
    whole = int(seconds)
    if whole < 3_600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3_600} h {whole % 3_600 // 60:02d} min"


def status_text(run: RunView) -> Text:
    if run.failed:
        return Text("✗ failed", style=FAILED)
    return Text("✓ succeeded", style="green")


def markers(run: RunView) -> Text:
    """The trace markers: failed, a newer attempt failed, stale (with count), flagged outputs."""
    parts = Text()
    if run.failed:
        parts.append(" ✗ failed", style=FAILED)
    if run.newer_failed_attempts:
        parts.append(f" ✗ newer attempt failed ({len(run.newer_failed_attempts)})", style=FAILED)
    if run.stale:
        parts.append(f" ⚠ stale ({len(run.stale)})", style=STALE)
    flagged = [p.name for p in run.outputs if p.flagged]
    if flagged:
        parts.append(" ⚑ flagged: " + ", ".join(flagged), style=FLAGGED)
    return parts


def cut_middle(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, cut in the middle: the file name at the end is what tells pointers
    apart (``/data/lake/…/2024/raw-017.csv``)."""
    if len(name) <= width:
        return name
    tail = max(width // 2, min(len(name.rsplit("/", 1)[-1]) + 1, width - 4))
    return name[: width - tail - 1] + "…" + name[-tail:]


def pointer_list(
    pointers: Iterable[PointerView], limit: int | None = None, *, flag_marks: bool = True, width: int | None = None
) -> Text:
    items = list(pointers)
    shown = items if limit is None else items[:limit]
    text = Text()
    for i, pointer in enumerate(shown):
        if i:
            text.append(", ")
        name = cut_middle(pointer.name, width) if width else pointer.name
        text.append(name, style=FLAGGED if pointer.flagged else "")
        if pointer.flagged and flag_marks:
            text.append(" ⚑", style=FLAGGED)
    if len(items) > len(shown):
        text.append(f", … {len(items) - len(shown)} more", style=DIM)
    return text


# Pointers in a table of runs: long paths lose their middle, never their file name (`inspect` shows them whole).
POINTER_WIDTH = 40


def runs_table(runs: list[RunView], title: str, *, show_component: bool = True) -> FittedTable:
    """Ids and status always show; on a narrow terminal inputs go first, then duration, start, outputs, stale."""
    columns = [Column("run")]
    if show_component:
        columns.append(Column("component"))
    columns += [
        Column("started"),
        Column("duration", justify="right"),
        Column("status"),
        Column("inputs", wrap=True, min_width=16),
        Column("outputs", wrap=True, min_width=16),
        Column("stale"),
    ]
    table = FittedTable(columns, ["inputs", "duration", "started", "outputs", "stale"], title=title)
    for run in runs:
        cells: list[RenderableType] = [Text(run.id)]
        if show_component:
            cells.append(Text(run.label))
        cells += [
            Text(format_time(run.start)),
            Text(format_duration(run.duration_ms)),
            status_text(run),
            pointer_list(run.inputs, 3, width=POINTER_WIDTH),
            pointer_list(run.outputs, 3, width=POINTER_WIDTH),
            Text(f"⚠ {len(run.stale)}", style=STALE) if run.stale else Text("-", style=DIM),
        ]
        table.add_row(*cells)
    return table


def stale_notes(runs: list[RunView]) -> RenderableType | None:
    """Each stale run's reasons as sentences under its id; None when every run is fresh."""
    lines = Text()
    for run in runs:
        for reason in run.stale:
            lines.append("⚠ ", style=STALE).append(f"{run.id}: ", style="bold").append(reason.reason + "\n")
    return lines if lines.plain else None


def _neighbour_lines(neighbours: list[DependencyView]) -> Text:
    if not neighbours:
        return Text("none", style=DIM)
    lines = []
    for n in neighbours:
        line = Text(f"{n.run_id} ").append(n.component or "?", style="bold")
        lines.append(line.append(f" via {', '.join(n.via)}" if n.via else " (span link)", style=DIM))
    return Text("\n").join(lines)


def inspect_view(found: InspectView) -> RenderableType:
    run, component = found.run, found.component
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()

    def row(label: str, value: RenderableType | str | None) -> None:
        if value is None or value == "":
            grid.add_row(label, Text("-", style=DIM))
        else:
            grid.add_row(label, Text(value) if isinstance(value, str) else value)

    row("component", run.label)
    if component is not None:
        row("owner", component.owner)
        row("description", component.description)
        row("tags", " ".join(component.tags))
    row("run id", run.id)
    row("trace id", run.trace_id)
    row("status", status_text(run) + (Text(f" {run.status_message}") if run.status_message else Text()))
    row("started", format_time(run.start))
    row("ended", format_time(run.end))
    row("duration", format_duration(run.duration_ms))
    row("git commit", run.git_hash)
    row("git tags", " ".join(run.git_tags))
    row("service", run.service_name)
    row("inputs", pointer_list(run.inputs) if run.inputs else None)
    row("outputs", pointer_list(run.outputs) if run.outputs else None)
    row("depends on", _neighbour_lines(run.dependencies))
    row("used by", _neighbour_lines(run.dependents))
    if run.stale:
        reasons = Text("\n").join(Text("⚠ " + s.reason, style=STALE) for s in run.stale)
        row("stale", reasons)
    else:
        row("stale", Text("no: every dependency is current", style=DIM))
    if run.newer_failed_attempts:
        row("newer attempts", Text("\n").join(Text("✗ " + a.reason, style=FAILED) for a in run.newer_failed_attempts))
    row("notes", run.notes)
    if run.test_results:
        row("tests", Text("\n".join(json.dumps(t, sort_keys=True) for t in run.test_results)))
    parts: list[RenderableType] = [Panel(grid, title=Text(f"{run.label} run {run.id}"), title_align="left")]
    if run.code_snapshot:
        parts.append(Panel(Syntax(run.code_snapshot, "python", line_numbers=False), title="code", title_align="left"))
    return Group(*parts)


def components_table(components: list[ComponentView]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("component", no_wrap=True)
    table.add_column("owner")
    table.add_column("description")
    table.add_column("tags")
    for c in components:
        table.add_row(Text(c.name), Text(c.owner or "-"), Text(c.description or "-"), Text(" ".join(c.tags) or "-"))
    return table
