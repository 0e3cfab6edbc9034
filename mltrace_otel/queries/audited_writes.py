"""The writes people make (flags, tags, component metadata, notes, clear), each recorded in the audit log.

Every writer (GraphQL mutations, the CLI on a database) calls these instead of the plain query-layer writes, so no
path changes what review ranks on without a record. ``actor`` is the key's name (``key:NAME``), or for the CLI on a
database the operating-system user (``local:USER``).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable

from sqlalchemy import Connection

from mltrace_otel.queries import components as q_components
from mltrace_otel.queries import pointers as q_pointers
from mltrace_otel.queries import runs as q_runs
from mltrace_otel.queries.audit import record
from mltrace_otel.queries.records import Component, IOPointer, Run


def local_actor() -> str:
    """Who writes straight to a database (the CLI without --server, the Python API): the operating-system user."""
    try:
        return f"local:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment (a bare container)
        return "local:unknown"


def _component_json(c: Component) -> dict[str, object]:
    return {"owner": c.owner, "description": c.description, "tags": sorted(c.tags)}


def set_flag(conn: Connection, actor: str, name: str, flagged: bool) -> IOPointer:
    before = q_pointers.get_pointer(conn, name)
    after = q_pointers.set_flag(conn, name, flagged)
    record(
        conn, actor, "flag" if flagged else "unflag", f"pointer:{name}",
        {"flagged": before.flagged}, {"flagged": after.flagged},
    )  # fmt: skip
    return after


def unflag_all(conn: Connection, actor: str) -> int:
    flagged = sorted(p.name for p in q_pointers.flagged_pointers(conn))
    count = q_pointers.unflag_all(conn)
    record(conn, actor, "unflag_all", "pointers", {"flagged": flagged}, {"flagged": []})
    return count


def tag_component(conn: Connection, actor: str, name: str, tags: Iterable[str]) -> Component:
    before = q_components.get_component(conn, name)
    after = q_components.tag_component(conn, name, tags)
    record(conn, actor, "tag", f"component:{name}", _component_json(before), _component_json(after))
    return after


def untag_component(conn: Connection, actor: str, name: str, tags: Iterable[str]) -> Component:
    before = q_components.get_component(conn, name)
    after = q_components.untag_component(conn, name, tags)
    record(conn, actor, "untag", f"component:{name}", _component_json(before), _component_json(after))
    return after


def update_component(
    conn: Connection, actor: str, name: str, *, owner: str | None = None, description: str | None = None
) -> Component:
    before = q_components.get_component(conn, name)
    after = q_components.update_component(conn, name, owner=owner, description=description)
    record(conn, actor, "component.update", f"component:{name}", _component_json(before), _component_json(after))
    return after


def set_notes(conn: Connection, actor: str, run_id: str, notes: str) -> Run:
    before = q_runs.get_run(conn, q_runs.normalize_run_id(run_id))
    after = q_runs.set_notes(conn, run_id, notes)
    record(conn, actor, "notes", f"run:{after.id}", {"notes": before.notes}, {"notes": after.notes})
    return after


def clear(conn: Connection, actor: str) -> dict[str, int]:
    from mltrace_otel.store.clear import clear_store

    deleted = clear_store(conn)
    record(conn, actor, "clear", "store", {k: v for k, v in deleted.items() if v}, None)
    return deleted
