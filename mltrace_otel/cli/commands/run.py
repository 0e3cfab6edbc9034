"""``mltrace run``: record any command (a shell script, ``dbt run``, a SQL job) as a component run."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from mltrace_otel.cli.app import app, fail, options, reports_errors
from mltrace_otel.cli.backend import CliError

EXAMPLE = "mltrace run --component clean --input raw.csv --output clean.csv -- python clean.py raw.csv"


@app.command(
    "run",
    context_settings={"allow_interspersed_args": False},
    epilog=f"Example: {EXAMPLE}",
)
@reports_errors
def run(
    ctx: typer.Context,
    component: Annotated[str, typer.Option("--component", "-c", help="Component name of the run.")],
    command: Annotated[
        list[str] | None,
        typer.Argument(metavar="COMMAND", help="The command and its arguments, after `--`.", show_default=False),
    ] = None,
    inputs: Annotated[
        list[str] | None, typer.Option("--input", "-i", metavar="POINTER", help="An input it reads (repeatable).")
    ] = None,
    outputs: Annotated[
        list[str] | None, typer.Option("--output", "-o", metavar="POINTER", help="An output it writes (repeatable).")
    ] = None,
    input_globs: Annotated[
        list[str] | None,
        typer.Option("--input-glob", metavar="PATTERN", help="Files matching it before the command are inputs."),
    ] = None,
    output_globs: Annotated[
        list[str] | None,
        typer.Option(
            "--output-glob",
            metavar="PATTERN",
            help="Files matching it that appeared or changed while the command ran are outputs.",
        ),
    ] = None,
    tags: Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag of the component (repeatable).")] = None,
) -> None:
    """Run COMMAND and record it as one run: times, exit status, stderr tail on failure, command line, git commit,
    inputs and outputs. Its exit status is ours (128+N when signal N ended it); SIGINT and SIGTERM are forwarded to
    it. An instrumented command's own runs join the same trace (TRACEPARENT)."""
    from mltrace_otel.cli import command_run as cr
    from mltrace_otel.cli.child_process import held_signals, run_command
    from mltrace_otel.config import database_url as resolve_database_url
    from mltrace_otel.instrument.code_info import git_info_for_file

    if not command:
        raise CliError(f"give the command to run after `--`, e.g. {EXAMPLE}", 2)
    if not component.strip():
        raise CliError("--component must not be empty", 2)
    opts = options(ctx)
    database_url = None if opts.server else resolve_database_url(opts.database_url)
    timeout_s = cr.store_timeout_s()
    cwd = os.getcwd()
    git = git_info_for_file(cwd)
    env = dict(os.environ)
    ids = cr.new_run_ids(env)
    env["TRACEPARENT"] = ids.traceparent
    env.pop("TRACESTATE", None)
    if opts.database_url:
        env["MLTRACE_DATABASE_URL"] = opts.database_url  # an instrumented command stores where its run goes
    read = [*(inputs or []), *cr.expand_globs(input_globs or [])]
    before = cr.file_states(output_globs or [])
    with held_signals() as held:
        result = run_command(command, env, held)
        written = [*(outputs or []), *cr.changed_files(output_globs or [], before)]
        record = cr.build_record(
            ids, component, command, result, inputs=read, outputs=written, tags=tags or [], git=git, cwd=cwd
        )

        def store(deadline: float) -> None:
            if opts.server:
                cr.store_on_server(record, opts.server, deadline)
            else:
                cr.store_in_database(record, database_url, deadline)

        try:
            cr.store_within(store, timeout_s, held.wait)
        except cr.NotStored as exc:
            saved = cr.save_unsent(record)
            # The command's outcome stands: a tracing failure must not fail the pipeline, but it is said.
            typer.echo(
                f"Error: run {ids.span_id} of {component} was not stored ({exc}); saved to {saved}, "
                f"load it with `mltrace db import {saved}`",
                err=True,
            )
        _emit_openlineage(record)
    if result.spawn_error:
        raise fail(f"could not start {command[0]!r}: {result.spawn_error.split(': ', 1)[-1]}", result.exit_status)
    sys.stdout.flush()
    raise typer.Exit(result.exit_status)


def _emit_openlineage(record: object) -> None:
    """Also send the run to OPENLINEAGE_URL when that is set (best effort, as for any exporter)."""
    from mltrace_otel.openlineage.emit import emitter_from_env

    emitter = emitter_from_env()
    if emitter is not None:
        emitter.emit_records([record])  # type: ignore[list-item]
