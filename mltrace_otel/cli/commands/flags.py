"""Flags and their review: ``flag``, ``unflag``, ``review``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from mltrace_otel.cli.app import JsonOption, app, backend, emit, reports_errors
from mltrace_otel.cli.backend import CliError
from mltrace_otel.cli.render_review import review_view
from mltrace_otel.queries.review import Ranking


@app.command()
@reports_errors
def flag(
    ctx: typer.Context,
    output: Annotated[str, typer.Argument(metavar="OUTPUT_ID", help="The output id you believe is wrong.")],
    as_json: JsonOption = False,
) -> None:
    """Flag an output as wrong; `mltrace review` then ranks the runs that produced the flagged outputs."""
    pointer = backend(ctx).set_flag(output, True)
    emit(as_json, pointer, lambda: Text(f"Flagged {pointer.name}."))


@app.command()
@reports_errors
def unflag(
    ctx: typer.Context,
    output: Annotated[
        str | None, typer.Argument(metavar="OUTPUT_ID", help="The output id to unflag.", show_default=False)
    ] = None,
    all_outputs: Annotated[bool, typer.Option("--all", help="Unflag every flagged output.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Unflag one output, or every output with --all."""
    if all_outputs == (output is not None):
        raise CliError("give either an OUTPUT id or --all (not both, not neither)", 2)
    target = backend(ctx)
    if all_outputs:
        count = target.unflag_all()
        emit(as_json, {"unflagged": count}, lambda: Text(f"Unflagged {count} output(s)."))
        return
    assert output is not None
    pointer = target.set_flag(output, False)
    emit(as_json, pointer, lambda: Text(f"Unflagged {pointer.name}."))


@app.command()
@reports_errors
def review(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="How many runs to rank.")] = 10,
    by: Annotated[
        Ranking, typer.Option("--by", help="ochiai: also weigh unflagged outputs; coverage: mltrace's count.")
    ] = Ranking.OCHIAI,
    as_json: JsonOption = False,
) -> None:
    """Which runs do the flagged outputs share, and which look guilty? Each score explained in numbers."""
    found = backend(ctx).review(limit, by.value)
    emit(as_json, found, lambda: review_view(found))
