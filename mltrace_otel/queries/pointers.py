"""IO pointers: lookup (a read never writes), flags."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import Connection, select, update

from mltrace_otel.queries.errors import NotFound
from mltrace_otel.queries.records import IOPointer, RunIO
from mltrace_otel.queries.runs import chunks
from mltrace_otel.store.models import io_pointers, run_io

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


def io_with_pointers(conn: Connection, ids: Sequence[str]) -> tuple[dict[str, RunIO], dict[str, IOPointer]]:
    """Each run's inputs and outputs (as ``run_io_by_ids``) and the pointers they name (as ``pointers_by_names``),
    in one joined statement: a page of runs with its IO and flags costs one round trip, not two."""
    ios: dict[str, RunIO] = {rid: RunIO([], []) for rid in ids}
    pointers: dict[str, IOPointer] = {}
    for part in chunks(ids):
        stmt = (
            select(run_io.c.span_id, run_io.c.direction, run_io.c.pointer, *_COLUMNS[1:])
            .outerjoin(io_pointers, io_pointers.c.name == run_io.c.pointer)
            .where(run_io.c.span_id.in_(part))
            .order_by(run_io.c.span_id, run_io.c.pointer)
        )
        for span_id, direction, name, *rest in conn.execute(stmt):
            io = ios[span_id]
            (io.inputs if direction == "in" else io.outputs).append(name)
            if name not in pointers and rest[0] is not None:  # ingest writes both rows in one transaction
                pointers[name] = IOPointer(name, *rest)
    return ios, pointers


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
