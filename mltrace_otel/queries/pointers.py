"""IO pointers: lookup (a read never writes), flags."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import Connection, select, update

from mltrace_otel.queries.errors import NotFound
from mltrace_otel.queries.records import IOPointer
from mltrace_otel.queries.runs import chunks
from mltrace_otel.store.models import io_pointers

_COLUMNS = (
    io_pointers.c.name,
    io_pointers.c.kind,
    io_pointers.c.flagged,
    io_pointers.c.flagged_ns,
    io_pointers.c.created_ns,
)


def pointers_by_names(conn: Connection, names: Sequence[str]) -> dict[str, IOPointer]:
    found: dict[str, IOPointer] = {}
    for part in chunks(names):
        for row in conn.execute(select(*_COLUMNS).where(io_pointers.c.name.in_(part))):
            found[row.name] = IOPointer(*row)
    return found


def get_pointer(conn: Connection, name: str) -> IOPointer:
    pointer = pointers_by_names(conn, [name]).get(name)
    if pointer is None:
        raise NotFound("IO pointer", name, "it appears once a stored run reads or writes it")
    return pointer


def set_flag(conn: Connection, name: str, flagged: bool) -> IOPointer:
    done = conn.execute(
        update(io_pointers)
        .where(io_pointers.c.name == name)
        .values(flagged=flagged, flagged_ns=time.time_ns() if flagged else None)
    )
    if done.rowcount == 0:
        raise NotFound("IO pointer", name, "it appears once a stored run reads or writes it")
    return get_pointer(conn, name)


def unflag_all(conn: Connection) -> int:
    done = conn.execute(
        update(io_pointers).where(io_pointers.c.flagged.is_(True)).values(flagged=False, flagged_ns=None)
    )
    return int(done.rowcount)


def flagged_pointers(conn: Connection) -> list[IOPointer]:
    stmt = select(*_COLUMNS).where(io_pointers.c.flagged.is_(True)).order_by(io_pointers.c.flagged_ns.desc())
    return [IOPointer(*row) for row in conn.execute(stmt)]
