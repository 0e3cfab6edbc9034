"""Retention: ``retention plan | apply`` and ``pin`` / ``unpin`` / ``pins`` (on the database, never via --server)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from mltrace_otel.cli.app import JsonOption, app, database_backend, emit, reports_errors
from mltrace_otel.cli.backend import CliError
from mltrace_otel.retention.plan import RetentionPlan
from mltrace_otel.retention.policy import Policy, policy_from_env

retention_app = typer.Typer(
    help="Delete old runs by age and count, never one that something kept depends on.", no_args_is_help=True
)
app.add_typer(retention_app, name="retention")

PolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy",
        metavar="RULES",
        help='Rules like "*=90d; component:serve=30d,last:1000; tag:adhoc=7d; spans=14d" '
        "(default: MLTRACE_RETENTION_FILE, else MLTRACE_RETENTION).",
        show_default=False,
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", metavar="TOML", help="A retention policy file (see the README).", show_default=False),
]


def _policy(policy: str | None, file: Path | None) -> Policy:
    found = policy_from_env(policy, str(file) if file else None)
    if found.empty:
        raise CliError("no retention policy: give --policy or --file, or set MLTRACE_RETENTION(_FILE)", 2)
    return found


@contextmanager
def _engine(ctx: typer.Context, command: str) -> Iterator[Engine]:
    store = database_backend(ctx, command)
    try:
        yield store.engine()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise CliError(f"cannot use the database at {store.safe_url}: {reason}") from exc


def _plan_view(plan: RetentionPlan) -> dict[str, Any]:
    return {
        "policy": plan.policy,
        "now": datetime.fromtimestamp(plan.now_ns / 1e9, UTC).isoformat(),
        "runs_expired": plan.runs_expired,
        "runs_to_delete": plan.runs_to_delete,
        "runs_kept_for_lineage": plan.protected,
        "runs_to_delete_by_component": plan.by_component,
        "plain_spans_to_delete": plan.spans_to_delete,
        **({"run_ids": plan.run_ids} if plan.run_ids is not None else {}),
    }


def _render_plan(view: dict[str, Any], verb: str) -> Table:
    table = Table(title=f"Retention {verb} ({view['policy']})", show_header=True)
    table.add_column("component")
    table.add_column("runs", justify="right")
    for component, count in sorted(view["runs_to_delete_by_component"].items()):
        table.add_row(component, f"{count:,}")
    table.add_section()
    table.add_row("runs past their rules", f"{view['runs_expired']:,}")
    for reason, count in sorted(view["runs_kept_for_lineage"].items()):
        table.add_row(f"  kept: {reason.replace('_', ' ')}", f"{count:,}")
    table.add_row(f"runs {verb}", f"{view['runs_to_delete']:,}")
    table.add_row(f"plain spans {verb}", f"{view['plain_spans_to_delete']:,}")
    return table


@retention_app.command("plan")
@reports_errors
def plan(
    ctx: typer.Context,
    policy: PolicyOption = None,
    file: FileOption = None,
    ids: Annotated[bool, typer.Option("--ids", help="Also list the run ids that would go.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show what `retention apply` would delete now, and which expired runs stay for lineage; changes nothing."""
    from mltrace_otel.retention.plan import plan_retention

    rules = _policy(policy, file)
    with _engine(ctx, "retention plan") as engine, engine.connect() as conn:
        view = _plan_view(plan_retention(conn, rules, with_ids=ids))
    emit(as_json, view, lambda: _render_plan(view, "to delete"))


@retention_app.command("apply")
@reports_errors
def apply(
    ctx: typer.Context,
    policy: PolicyOption = None,
    file: FileOption = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, metavar="N", help="Runs deleted per transaction.")
    ] = 1_000,
    pause_ratio: Annotated[
        float,
        typer.Option(
            "--pause-ratio", min=0, metavar="R", help="Rest R times as long as each batch took (1: half speed)."
        ),
    ] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Delete what the policy lets go, in small batches that ingest and queries never wait long for."""
    from mltrace_otel.retention.purge import apply_retention

    rules = _policy(policy, file)
    with _engine(ctx, "retention apply") as engine:
        result = apply_retention(engine, rules, batch_size=batch_size, pause_ratio=pause_ratio)
    view = {
        **_plan_view(result.plan),
        "runs_deleted": result.runs_deleted,
        "runs_kept_late": result.kept_late,
        "plain_spans_deleted": result.spans_deleted,
        "batches": result.batches,
    }

    def render() -> Table:
        table = _render_plan(view, "planned")
        table.add_section()
        table.add_row("runs deleted", f"{result.runs_deleted:,}")
        table.add_row("  kept: came to be depended on", f"{result.kept_late:,}")
        table.add_row("plain spans deleted", f"{result.spans_deleted:,}")
        return table

    emit(as_json, view, render)


@contextmanager
def _write(ctx: typer.Context, command: str) -> Iterator[Connection]:
    with _engine(ctx, command) as engine, engine.begin() as conn:
        yield conn


@app.command()
@reports_errors
def pin(
    ctx: typer.Context,
    output: Annotated[str, typer.Argument(metavar="OUTPUT_ID", help="The output to keep the lineage of.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is pinned.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Pin an output: retention keeps the run that produced it and everything upstream, whatever the policy."""
    from mltrace_otel.retention.pins import pin as pin_output

    with _write(ctx, "pin") as conn:
        found = pin_output(conn, output, note)
    emit(as_json, found, lambda: Text(f"Pinned {found.pointer}."))


@app.command()
@reports_errors
def unpin(
    ctx: typer.Context,
    output: Annotated[str, typer.Argument(metavar="OUTPUT_ID", help="The output to unpin.")],
    as_json: JsonOption = False,
) -> None:
    """Unpin an output: its lineage is subject to the retention policy again."""
    from mltrace_otel.retention.pins import unpin as unpin_output

    with _write(ctx, "unpin") as conn:
        removed = unpin_output(conn, output)
    if not removed:
        raise CliError(f"{output!r} is not pinned", 1)
    emit(as_json, {"unpinned": output}, lambda: Text(f"Unpinned {output}."))


@app.command()
@reports_errors
def pins(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Pinned outputs, with when and why."""
    from mltrace_otel.retention.pins import list_pins

    with _engine(ctx, "pins") as engine, engine.connect() as conn:
        found = list_pins(conn)

    def render() -> Table:
        table = Table("output", "pinned", "note")
        for p in found:
            pinned = datetime.fromtimestamp(p.pinned_ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M")
            table.add_row(p.pointer, pinned, p.note or "")
        return table

    emit(as_json, found, render)
