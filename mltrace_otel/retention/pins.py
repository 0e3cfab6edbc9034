"""Pinned outputs (``mltrace pin OUTPUT``): retention keeps the run that produced one and everything upstream."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from mltrace_otel.errors import NotFound
from mltrace_otel.store.models import io_pointers, pins
from mltrace_otel.store.upsert import dialect_insert


@dataclass(frozen=True, slots=True)
class Pin:
    pointer: str
    pinned_ns: int
    note: str | None


def pin(conn: Connection, pointer: str, note: str | None = None) -> Pin:
    """Pin a known output (pinning twice keeps the first pin and its note)."""
    if conn.execute(select(io_pointers.c.name).where(io_pointers.c.name == pointer)).first() is None:
        raise NotFound("output", pointer, "no run wrote it")
    conn.execute(
        dialect_insert(conn, pins).values(pointer=pointer, pinned_ns=time.time_ns(), note=note).on_conflict_do_nothing()
    )
    row = conn.execute(select(pins).where(pins.c.pointer == pointer)).one()
    return Pin(row.pointer, row.pinned_ns, row.note)


def unpin(conn: Connection, pointer: str) -> bool:
    """Remove a pin; False when the output was not pinned."""
    return bool(conn.execute(delete(pins).where(pins.c.pointer == pointer)).rowcount)


def list_pins(conn: Connection) -> list[Pin]:
    return [Pin(r.pointer, r.pinned_ns, r.note) for r in conn.execute(select(pins).order_by(pins.c.pointer))]
