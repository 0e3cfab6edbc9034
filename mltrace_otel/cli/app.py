"""The ``mltrace`` Typer app: global options, backend choice, error reporting and output helpers.

Exit codes: 0 success; 1 something the command could not find or reach (unknown id, unreachable database or
server); 2 a usage problem (bad option value, malformed id or date, conflicting options).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import RenderableType
from rich.text import Text

from mltrace_otel.cli.backend import Backend, CliError
from mltrace_otel.cli.errors import cli_message
from mltrace_otel.cli.help_layout import FlagsWithoutTypes
from mltrace_otel.cli.render import make_console
from mltrace_otel.cli.timeparse import BadTime
from mltrace_otel.cli.views import to_json
from mltrace_otel.config import ConfigError
from mltrace_otel.queries.errors import InvalidArgument, NotFound

app = typer.Typer(
    name="mltrace",
    cls=FlagsWithoutTypes,
    help="mltrace-otel: which runs, code and data produced this output? Lineage of ML pipeline runs, on OpenTelemetry.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class GlobalOptions:
    database_url: str | None
    server: str | None
    timeout: float


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="Store to read and write, e.g. sqlite:///path/mltrace.db or postgresql://user@host/db. "
            "Default: MLTRACE_DATABASE_URL, DB_URI, DB_SERVER, else ~/.mltrace/mltrace.db.",
            show_default=False,
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            metavar="URL",
            envvar="MLTRACE_SERVER",
            help="Ask a running mltrace server (its GraphQL API) instead of the database, e.g. http://host:8080",
        ),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for --server.")] = 30.0,
) -> None:
    """Global options come before the command: mltrace --database-url URL recent."""
    if database_url and server:
        raise typer.BadParameter("give either --database-url or --server, not both", param_hint="--server")
    ctx.obj = GlobalOptions(database_url=database_url, server=server, timeout=timeout)


def options(ctx: typer.Context) -> GlobalOptions:
    found = ctx.find_object(GlobalOptions)
    return found if found is not None else GlobalOptions(None, None, 30.0)


def backend(ctx: typer.Context) -> Backend:
    opts = options(ctx)
    if opts.server:
        from mltrace_otel.cli.server_backend import ServerBackend

        return ServerBackend(opts.server, timeout=opts.timeout)
    from mltrace_otel.cli.database_backend import DatabaseBackend

    return DatabaseBackend(opts.database_url)


def database_backend(ctx: typer.Context, command: str) -> Any:
    """The database itself, for commands that administer it (never through a server)."""
    opts = options(ctx)
    if opts.server:
        raise CliError(f"`mltrace {command}` works on a database, not through --server; use --database-url", 2)
    from mltrace_otel.cli.database_backend import DatabaseBackend

    return DatabaseBackend(opts.database_url)


def fail(message: str, exit_code: int) -> typer.Exit:
    # Plain and unwrapped: one line a script can grep, whatever the terminal width.
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(exit_code)


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """User errors become one line on stderr and an exit code; only bugs show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CliError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except NotFound as exc:
            raise fail(cli_message(exc), 1) from None
        except (InvalidArgument, ConfigError, BadTime) as exc:
            raise fail(str(exc), 2) from None

    return wrapper


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of tables.")]


def emit(as_json: bool, value: Any, render: Callable[[], RenderableType | None]) -> None:
    """Print ``value`` as JSON, or its Rich rendering."""
    if as_json:
        typer.echo(to_json(value))
        return
    renderable = render()
    if renderable is not None:
        make_console().print(renderable)


def say(message: str) -> None:
    make_console().print(Text(message), soft_wrap=True)
