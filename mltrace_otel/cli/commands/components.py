"""Components: ``components``, ``tags``, ``tag``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from mltrace_otel.cli.app import JsonOption, app, backend, emit, reports_errors
from mltrace_otel.cli.render import components_table


@app.command()
@reports_errors
def components(
    ctx: typer.Context,
    tag: Annotated[
        str | None, typer.Option(metavar="TAG", help="Only components with this tag.", show_default=False)
    ] = None,
    owner: Annotated[
        str | None, typer.Option(metavar="OWNER", help="Only components with this owner.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Components, with owner, description and tags."""
    found = backend(ctx).components(tag, owner)
    emit(as_json, found, lambda: components_table(found) if found else Text("No components match."))


@app.command()
@reports_errors
def tags(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every tag in use, one per line."""
    found = backend(ctx).tags()
    emit(as_json, found, lambda: Text("\n".join(found)) if found else Text("No tags yet."))


@app.command()
@reports_errors
def tag(
    ctx: typer.Context,
    component: Annotated[str, typer.Argument(metavar="COMPONENT", help="Component name.")],
    tags: Annotated[list[str], typer.Argument(metavar="TAG", help="One or more tags to add.")],
    as_json: JsonOption = False,
) -> None:
    """Add tags to a component."""
    found = backend(ctx).tag(component, tags)
    emit(as_json, found, lambda: Text(f"{found.name} is tagged: {' '.join(found.tags)}"))
