"""The spool: ``spool status`` (what waits to be stored, what was rejected) and ``spool drain``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from mltrace_otel.cli.app import JsonOption, app, options, reports_errors, say
from mltrace_otel.cli.backend import CliError
from mltrace_otel.cli.views import to_json
from mltrace_otel.config import database_url

spool_app = typer.Typer(
    help="Spans waiting on this machine for their store (written before the store is tried).", no_args_is_help=True
)
app.add_typer(spool_app, name="spool")

REASONS_SHOWN = 5


def _spool_dirs(ctx: typer.Context) -> list[Path]:
    from mltrace_otel.delivery.spool import spool_dir, spool_root

    opts = options(ctx)
    if opts.server:
        raise CliError("the spool is on this machine: `mltrace spool` works without --server", 2)
    if opts.database_url:
        return [spool_dir(database_url(opts.database_url))]
    root = spool_root()
    return sorted(p for p in root.iterdir() if (p / "store.json").exists()) if root.is_dir() else []


def _summary(directory: Path) -> dict[str, Any]:
    from mltrace_otel.delivery.spool import read_label, read_rejections, scan

    segments = list(scan(directory))
    waiting = [s for s in segments if s.bytes_pending]
    oldest = min((s.oldest_end_ns for s in waiting if s.oldest_end_ns), default=None)
    rejected, last = read_rejections(directory, REASONS_SHOWN)
    return {
        "store": read_label(directory),
        "directory": str(directory),
        "spans_waiting": sum(s.spans_pending for s in segments),
        "bytes_waiting": sum(s.bytes_pending for s in segments),
        "segments": len(segments),
        "oldest_waiting_age_s": round((time.time_ns() - oldest) / 1e9, 1) if oldest else None,
        "running_processes": sorted({s.pid for s in segments if s.alive and s.pid is not None}),
        "rejected": rejected,
        "last_rejections": [{k: e.get(k) for k in ("kind", "span_id", "name", "reason", "time_ns")} for e in last],
    }


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7_200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@spool_app.command("status")
@reports_errors
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """What waits in the spool of each store (or of --database-url), and the spans the store rejected."""
    summaries = [_summary(d) for d in _spool_dirs(ctx)]
    if as_json:
        typer.echo(to_json(summaries))
        return
    if not summaries:
        say("The spool is empty: no spans wait for a store on this machine.")
        return
    for s in summaries:
        say(f"{s['store']}  ({s['directory']})")
        if s["spans_waiting"]:
            age = f"; the oldest ended {_age(s['oldest_waiting_age_s'])} ago" if s["oldest_waiting_age_s"] else ""
            size = f"{s['bytes_waiting']:,} bytes in {s['segments']} segments"
            say(f"  waiting: {s['spans_waiting']:,} spans ({size}){age}")
        else:
            say("  waiting: nothing")
        if s["running_processes"]:
            pids = ", ".join(str(p) for p in s["running_processes"])
            say(f"  running processes store their own spans: pid {pids}")
        if s["rejected"]:
            say(f"  rejected: {s['rejected']:,} spans (with reasons and content in {s['directory']}/rejected.jsonl)")
            for entry in s["last_rejections"]:
                say(f"    {entry['span_id'] or '?'} {entry['name']!r}: {entry['reason']}")


@spool_app.command("drain")
@reports_errors
def drain(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option("--wait", min=0.0, metavar="SECONDS", help="How long to wait for the store.")
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """Store the spans that ended processes left in the spool of the store (--database-url or the default)."""
    from mltrace_otel.delivery.delivery import Delivery

    opts = options(ctx)
    if opts.server:
        raise CliError("the spool is on this machine: `mltrace spool drain` works without --server", 2)
    delivery = Delivery(opts.database_url, "spool", background=False)
    complete = delivery.drain_orphans(timeout)
    after = _summary(delivery.directory) if delivery.directory else {}
    state = delivery.status()
    result = {
        "store": state.store,
        "handled": state.adopted,
        "stored": state.stored,
        "duplicates": state.duplicates,
        "rejected": state.rejected,
        "conflicts": state.conflicts,
        "outputs_stored": state.outputs_stored,
        "feedback_stored": state.feedback_stored,
        "observations_refused": state.observations_refused,
        "complete": complete,
        "last_error": state.last_error,
        "still_waiting": after.get("spans_waiting", 0),
        "running_processes": after.get("running_processes", []),
    }
    if as_json:
        typer.echo(to_json(result))
    else:
        say(
            f"Stored {state.stored:,} spans from the spool into {state.store} ({state.duplicates:,} were already "
            f"there, {state.rejected:,} rejected, {state.conflicts:,} conflicting)."
        )
        if state.outputs_stored or state.feedback_stored or state.observations_refused:
            say(
                f"Stored {state.outputs_stored:,} outputs and {state.feedback_stored:,} feedback values "
                f"({state.observations_refused:,} refused)."
            )
        if result["running_processes"]:
            pids = ", ".join(str(p) for p in result["running_processes"])
            say(f"Running processes (pid {pids}) store their own spans; they were left to them.")
    if not complete:
        raise CliError(
            f"the store did not take every spooled span within {timeout:g} s ({state.last_error or 'too slow'}); "
            f"{result['still_waiting']:,} spans still wait in the spool",
            1,
        )
