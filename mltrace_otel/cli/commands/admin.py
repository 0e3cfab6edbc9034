"""Administration: ``serve``, ``db upgrade``, ``clear``, ``version``."""

from __future__ import annotations

from typing import Annotated

import typer

from mltrace_otel.cli.app import app, database_backend, options, reports_errors, say
from mltrace_otel.cli.backend import CliError

db_app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
@reports_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535, help="Port to listen on.")] = 8080,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", metavar="URL", help="Store address (overrides the global option).", show_default=False
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="With MLTRACE_AUTH=off, listen on a non-loopback address anyway (anyone reaching it may do anything).",
        ),
    ] = False,
) -> None:
    """Start the server: GraphQL API, OTLP/HTTP receiver and web UI."""
    opts = options(ctx)
    if opts.server:
        raise CliError("`mltrace serve` starts a server; it cannot run through --server", 2)
    try:
        from graphql_server.main import serve as run_server
    except ImportError as exc:
        raise CliError(f'the server is not installed ({exc}); pip install "mltrace-otel[server]"') from exc
    from mltrace_otel.cli.exposure import exposure_refusal

    refusal = exposure_refusal(host, insecure)
    if refusal is not None:
        raise CliError(refusal, 2)
    busy = cannot_listen(host, port)
    if busy:
        raise CliError(f"cannot listen on {host}:{port}: {busy}; is another server running? choose one with --port", 1)
    run_server(host=host, port=port, database_url=database_url or opts.database_url)


def cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen there (the port is taken, the address is not ours), or None.

    Checked before uvicorn starts: uvicorn reports a busy port after "Application startup complete", as exit 3."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"unknown host ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            return (exc.strerror or str(exc)).lower()
    return None


@db_app.command("upgrade")
@reports_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Create the store or migrate its schema to this version of mltrace-otel (safe to repeat)."""
    store = database_backend(ctx, "db upgrade")
    before, after = store.upgrade()
    if before == after:
        say(f"{store.safe_url} is up to date (revision {after}).")
    else:
        say(f"Upgraded {store.safe_url} from revision {before or '(empty)'} to {after}.")


@app.command()
@reports_errors
def clear(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every run, edge, component, tag, flag and code snapshot. Other tables in the database are untouched."""
    store = database_backend(ctx, "clear")
    if not yes:
        try:
            confirmed = typer.confirm(f"Delete all mltrace data in {store.safe_url}?", default=False)
        except typer.Abort:
            confirmed = False
        if not confirmed:
            raise CliError("nothing was deleted (confirm, or pass --yes)", 1)
    deleted = store.clear()
    say(f"Deleted {deleted.get('spans', 0)} spans and everything recorded with them from {store.safe_url}.")


@app.command()
def version() -> None:
    """Print the version."""
    from mltrace_otel import __version__

    typer.echo(__version__)
