"""Runs: ``recent``, ``history``, ``inspect``, ``notes``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.text import Text

from mltrace_otel.cli.app import JsonOption, app, backend, emit, reports_errors
from mltrace_otel.cli.render import inspect_view, runs_table, stale_notes
from mltrace_otel.cli.timeparse import HELP as TIME_HELP
from mltrace_otel.cli.timeparse import BadTime, parse_time
from mltrace_otel.cli.views import RunPage

LimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many runs to show, newest first.")
]


def _page(page: RunPage, title: str, empty: str, *, show_component: bool = True) -> RenderableType:
    if not page.runs:
        return Text(empty)
    parts: list[RenderableType] = [runs_table(page.runs, title, show_component=show_component)]
    notes = stale_notes(page.runs)
    if notes is not None:
        parts += [Text(""), notes]
    if page.has_more:
        parts.append(Text(f"… more runs exist; raise --limit (now {len(page.runs)}) to see them", style="dim"))
    return Group(*parts)


def _time_option(name: str, value: str | None, *, end_of_day: bool) -> int | None:
    if value is None:
        return None
    try:
        return parse_time(value, end_of_day=end_of_day)
    except BadTime as exc:
        raise BadTime(f"{name}: {exc}") from None


@app.command()
@reports_errors
def recent(ctx: typer.Context, limit: LimitOption = 10, as_json: JsonOption = False) -> None:
    """The latest component runs, newest first."""
    page = backend(ctx).recent(limit)
    emit(as_json, page, lambda: _page(page, "recent runs", "No runs recorded yet."))


@app.command()
@reports_errors
def history(
    ctx: typer.Context,
    component: Annotated[str, typer.Argument(metavar="COMPONENT", help="Component name (see `mltrace components`).")],
    limit: LimitOption = 10,
    since: Annotated[
        str | None,
        typer.Option(metavar="WHEN", help=f"Only runs that started at or after this: {TIME_HELP}.", show_default=False),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Only runs that started at or before this (a bare date includes that whole day).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Runs of one component, newest first, with their staleness."""
    since_ns = _time_option("--since", since, end_of_day=False)
    until_ns = _time_option("--until", until, end_of_day=True)
    page = backend(ctx).history(component, limit, since_ns, until_ns)
    emit(
        as_json,
        page,
        lambda: _page(page, f"history of {component}", f"No runs of {component} in that period.", show_component=False),
    )


@app.command()
@reports_errors
def inspect(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="Run id: 16 hex characters (see `mltrace recent`).")],
    as_json: JsonOption = False,
) -> None:
    """Everything about one run: component, times, IO, code, dependencies, staleness, notes."""
    found = backend(ctx).inspect(run_id)
    emit(as_json, found, lambda: inspect_view(found))


@app.command()
@reports_errors
def notes(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="Run id: 16 hex characters.")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note; replaces the run's previous note.")],
    as_json: JsonOption = False,
) -> None:
    """Attach a note to a run."""
    run = backend(ctx).set_notes(run_id, text)
    emit(as_json, run, lambda: Text(f"Noted on {run.label} run {run.id}: {run.notes}"))
