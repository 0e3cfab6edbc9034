"""Which component runs arrived, in arrival order (``spans.seq``), for live subscriptions.

On Postgres, sequence values are taken at insert but become visible at commit, so a smaller ``seq`` can appear
*after* a larger one (two ingesting processes, a slow transaction). A reader that only asks for
"seq > the largest seen" would miss it forever. :func:`arrival_mark` records the sequence's value together with
the transactions in progress at that moment; once all of those have finished, no row at or below that value can
still appear, so the mark is final. On SQLite one writer at a time commits, so rows appear in ``seq`` order and
the mark is final at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from mltrace_otel.store.models import spans


@dataclass(frozen=True, slots=True)
class Arrival:
    seq: int
    span_id: str


@dataclass(frozen=True, slots=True)
class ArrivalMark:
    seq: int  # every arrival sequence value handed out so far
    waiting_on: tuple[int, ...] = ()  # transactions (Postgres xids) that may still commit rows at or below seq


def arrival_mark(conn: Connection) -> ArrivalMark:
    """The arrival sequence now, and what must finish before every row up to it is visible."""
    if conn.dialect.name != "postgresql":
        return ArrivalMark(seq=int(conn.execute(select(func.coalesce(func.max(spans.c.seq), 0))).scalar_one()))
    # Order matters: read the sequence first, then the snapshot (a second statement, so a fresh snapshot under
    # READ COMMITTED). A transaction that took a value up to `seq` had started by then, so it is either
    # committed or listed as in progress.
    seq = conn.execute(
        text("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('spans', 'seq')::regclass), 0)")
    ).scalar_one()
    xips = conn.execute(text("SELECT pg_snapshot_xip(pg_current_snapshot())::text")).scalars().all()
    return ArrivalMark(seq=int(seq), waiting_on=tuple(int(x) for x in xips))


def finished_before(conn: Connection) -> int | None:
    """Every transaction with an id below this has finished (Postgres); ``None`` where marks are final at once."""
    if conn.dialect.name != "postgresql":
        return None
    return int(conn.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")).scalar_one())


def arrivals(conn: Connection, after_seq: int, limit: int = 1_000) -> list[Arrival]:
    """Component runs visible now with ``seq > after_seq``, in arrival order (primary-key range scan)."""
    stmt = (
        select(spans.c.seq, spans.c.span_id)
        .where(spans.c.seq > after_seq, spans.c.component.is_not(None))
        .order_by(spans.c.seq)
        .limit(limit)
    )
    return [Arrival(int(seq), span_id) for seq, span_id in conn.execute(stmt)]
