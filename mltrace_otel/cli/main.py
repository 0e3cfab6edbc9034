"""``mltrace``: placeholder entry point; the full CLI lands with issue 5."""

from __future__ import annotations

import typer

app = typer.Typer(help="mltrace-otel: lineage of ML pipeline runs, on OpenTelemetry.", no_args_is_help=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8080, help="port to listen on"),
    database_url: str | None = typer.Option(None, "--database-url", help="store address"),
) -> None:
    """Start the server: GraphQL API, OTLP/HTTP receiver and web UI."""
    from graphql_server.main import serve as run_server

    run_server(host=host, port=port, database_url=database_url)


@app.command()
def version() -> None:
    """Print the version."""
    from mltrace_otel import __version__

    typer.echo(__version__)
