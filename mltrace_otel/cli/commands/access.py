"""Who may do what: ``mltrace keys create | list | revoke`` and ``mltrace audit``, on a database.

Keys are administered on the database itself (like ``db upgrade``): whoever can reach it holds every key anyway.
Through a server, the same is the admin-only GraphQL API (createApiKey, revokeApiKey, apiKeys).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mltrace_otel.cli.app import JsonOption, app, database_backend, emit, reports_errors
from mltrace_otel.cli.render import make_console
from mltrace_otel.queries.api_keys import create_key, list_keys, revoke_key
from mltrace_otel.queries.audit import AuditEntry, audit_page
from mltrace_otel.queries.audited_writes import local_actor
from mltrace_otel.queries.records import ns_to_datetime
from mltrace_otel.queries.scopes import Scope, parse_scopes, scope_text

keys_app = typer.Typer(help="API keys for MLTRACE_AUTH=keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

SCOPES = ", ".join(s.value for s in Scope)


def _when(ns: int | None) -> str:
    return ns_to_datetime(ns).strftime("%Y-%m-%d %H:%M:%S") if ns else ""


@keys_app.command("create")
@reports_errors
def keys_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="A unique name; the audit log records writes under it.")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"Repeatable: {SCOPES}.")],
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    store = database_backend(ctx, "keys create")
    with store.connection(write=True, create=True) as conn:
        created = create_key(conn, name, parse_scopes(scope), local_actor())
    typer.echo(created.secret)
    typer.echo(
        f"Key {name!r} ({scope_text(created.key.scopes)}) created. It is shown only now: store it as a secret.",
        err=True,
    )


@keys_app.command("list")
@reports_errors
def keys_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every key with its scopes; revoked keys stay listed (their names appear in the audit log)."""
    store = database_backend(ctx, "keys list")
    with store.connection() as conn:
        found = list_keys(conn)
    rows = [
        {
            "name": k.name,
            "scopes": scope_text(k.scopes),
            "created_by": k.created_by,
            "created": _when(k.created_ns),
            "revoked": _when(k.revoked_ns) or None,
        }
        for k in found
    ]

    def render() -> Table:
        table = Table("name", "scopes", "created by", "created (UTC)", "revoked (UTC)")
        for r in rows:
            table.add_row(r["name"], r["scopes"], r["created_by"], r["created"], r["revoked"] or "")
        return table

    emit(as_json, rows, render)


@keys_app.command("revoke")
@reports_errors
def keys_revoke(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: every server sharing the store refuses it from its next request on; its UI sessions end."""
    store = database_backend(ctx, "keys revoke")
    with store.connection(write=True) as conn:
        revoke_key(conn, name, local_actor())
    typer.echo(f"Key {name!r} is revoked.", err=True)


@app.command()
@reports_errors
def audit(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Option(help="Only this subject: pointer:NAME, component:NAME, run:ID, key:NAME, store.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many entries.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """The audit log, newest first: who changed what, before -> after, when."""
    store = database_backend(ctx, "audit")
    with store.connection() as conn:
        entries = audit_page(conn, limit, None, subject).entries
    rows = [_entry(e) for e in entries]

    def render() -> Table | None:
        if not rows:
            make_console().print("No recorded changes.")
            return None
        table = Table("when (UTC)", "who", "action", "subject", "before", "after")
        for r in rows:
            table.add_row(r["at"], r["actor"], r["action"], r["subject"], r["before"] or "", r["after"] or "")
        return table

    emit(as_json, rows, render)


def _entry(e: AuditEntry) -> dict[str, str | None]:
    return {
        "at": _when(e.at_ns),
        "actor": e.actor,
        "action": e.action,
        "subject": e.subject,
        "before": e.before,
        "after": e.after,
    }
