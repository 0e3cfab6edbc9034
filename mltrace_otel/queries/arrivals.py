"""Which component runs arrived, in arrival order, for live subscriptions.

``run_arrivals`` numbers every stored run in commit order: ingest takes the numbers as the last step of its
transaction, under a lock held until commit (store/ingest.py). A reader that sees number n therefore sees every
smaller number too, so "numbers above the last one read" is a complete answer at any moment: nothing to wait
for, no dependence on transactions elsewhere (Postgres snapshots are cluster-wide, so waiting for "every
transaction open at some mark" would stall on a backup or an idle session in another database), and paging
by number never hides a newer run behind an older one that is still pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from mltrace_otel.store.models import run_arrivals


@dataclass(frozen=True, slots=True)
class Arrival:
    seq: int
    span_id: str


def latest_arrival(conn: Connection) -> int:
    """The number of the latest run stored so far (0 when none): a subscriber starting now wants what follows."""
    return int(conn.execute(select(func.coalesce(func.max(run_arrivals.c.seq), 0))).scalar_one())


def arrivals(conn: Connection, after_seq: int, limit: int = 1_000) -> list[Arrival]:
    """Runs numbered above ``after_seq``, in arrival order (a primary-key range scan), at most ``limit``."""
    stmt = (
        select(run_arrivals.c.seq, run_arrivals.c.span_id)
        .where(run_arrivals.c.seq > after_seq)
        .order_by(run_arrivals.c.seq)
        .limit(limit)
    )
    return [Arrival(int(seq), span_id) for seq, span_id in conn.execute(stmt)]
