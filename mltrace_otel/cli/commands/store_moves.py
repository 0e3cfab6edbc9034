"""Moving a store: ``db copy`` (whole store to another database, resumable, verified) and ``db export | import``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mltrace_otel.cli.app import database_backend, reports_errors, say
from mltrace_otel.cli.backend import CliError
from mltrace_otel.cli.commands.admin import db_app
from mltrace_otel.cli.render import make_console


@contextmanager
def _progress(description: str) -> Iterator[Progress]:
    """A progress bar on stderr (stdout may be the data itself); silent when stderr is not a terminal."""
    console = make_console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=not console.is_terminal, transient=False,
    )  # fmt: skip
    with bar:
        yield bar


@db_app.command("copy")
@reports_errors
def db_copy(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The store to copy into, e.g. postgresql://…/db.")],
    page_rows: Annotated[int, typer.Option("--page-rows", min=100, help="Rows per committed page.")] = 10_000,
) -> None:
    """Copy the whole store (--database-url or the configured one) into an empty store at --to, with a progress
    bar; run it again after an interruption and it resumes. Verified at the end: per table, row counts and a
    checksum, source against target."""
    from mltrace_otel.cli.database_backend import DatabaseBackend
    from mltrace_otel.store.copy import CopyError, copy_store

    source = database_backend(ctx, "db copy")
    target = DatabaseBackend(to)
    if target.url == source.url:
        raise CliError("--to names the store being copied; give another database", 2)
    with _progress("copying") as bar:
        task = bar.add_task("copying", total=None)

        def started(counts: dict[str, int], resumed: int) -> None:
            total = sum(counts.values())
            bar.update(task, total=total, completed=resumed)
            if resumed and resumed >= total:
                say(f"The copy into {target.safe_url} is complete; verifying it again.")
            elif resumed:
                say(f"Resuming the copy into {target.safe_url}: {resumed} rows were already copied.")

        def advance(table: str, rows: int) -> None:
            bar.update(task, advance=rows, description=f"copying {table}")

        try:
            report = copy_store(
                source.engine(), target.engine(create=True), source.safe_url,
                page_rows=page_rows, progress=advance, on_start=started,
            )  # fmt: skip
        except CopyError as exc:
            raise CliError(str(exc), 1) from None
        except KeyboardInterrupt:
            raise CliError("interrupted; run the same command again to resume where it stopped", 130) from None
    bad = [c for c in report.checks if not c.equal]
    if bad:
        detail = "; ".join(f"{c.table}: {c.source_rows} rows vs {c.target_rows}" for c in bad)
        raise CliError(f"the copy does not match its source ({detail}); was the source written to meanwhile?", 1)
    rows = report.copied_rows + report.resumed_rows
    rate = report.copied_rows / report.copy_seconds if report.copy_seconds else 0.0
    say(
        f"Copied {rows} rows from {source.safe_url} to {target.safe_url} ({report.copied_rows} in this run, "
        f"{rate:,.0f} rows/s); verified: {len(report.checks)} tables, counts and checksums equal "
        f"(lineage checksum {report.lineage_checksum})."
    )


@db_app.command("export")
@reports_errors
def db_export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the store as OTLP/JSON lines (every span, then flags, tags and component metadata)."""
    from mltrace_otel.dump import export_store
    from mltrace_otel.store.copy import spans_count

    store = database_backend(ctx, "db export")
    engine = store.engine()
    out: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        with _progress("exporting") as bar:
            task = bar.add_task("exporting spans", total=spans_count(engine))
            summary = export_store(engine, out, progress=lambda n: bar.update(task, advance=n))
    finally:
        if output:
            out.close()
        else:
            out.flush()
    typer.echo(f"Exported {summary.spans} spans ({summary.lines} lines) from {store.safe_url}.", err=True)


@db_app.command("import")
@reports_errors
def db_import(
    ctx: typer.Context,
    source: Annotated[
        Path | None, typer.Argument(metavar="[FILE]", help="OTLP/JSON lines to load; default: stdin.")
    ] = None,
) -> None:
    """Load OTLP/JSON lines (a `db export`, a Collector's file exporter output, unsent runs) into the store.
    Importing the same lines twice stores them once."""
    from mltrace_otel.dump import DumpError, import_store

    store = database_backend(ctx, "db import")
    engine = store.engine(create=True)
    if source is not None and not source.is_file():
        raise CliError(f"no file at {source}", 1)
    stream: TextIO = source.open(encoding="utf-8") if source else sys.stdin
    try:
        with _progress("importing") as bar:
            task = bar.add_task("importing spans", total=None)
            summary = import_store(engine, stream, progress=lambda n: bar.update(task, advance=n))
    except DumpError as exc:
        raise CliError(f"cannot import: {exc}", 2) from None
    finally:
        if source:
            stream.close()
    say(
        f"Imported {summary.spans} spans into {store.safe_url}: {summary.stored} new, {summary.duplicates} already "
        f"there, {len(summary.rejected)} rejected."
    )
    for reason in summary.rejected[:5]:
        typer.echo(f"rejected {reason}", err=True)
    if summary.rejected:
        raise typer.Exit(1)
