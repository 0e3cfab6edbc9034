"""Each newly stored component run exactly once, whichever process stored it and in whatever commit order.

Runs are read from the store (not from this process's ingest), so runs stored by a pipeline writing directly to
the database, by another replica or by an OTLP collector all show up. ``low`` is the arrival sequence value at or
below which every row has been delivered; above it, ``seen`` remembers what was, so a row that commits late
(a smaller sequence value made visible after a larger one) is delivered once when it appears.
See :mod:`mltrace_otel.queries.arrivals` for why a mark becomes final.
"""

from __future__ import annotations

from sqlalchemy import Connection

from mltrace_otel.queries.arrivals import ArrivalMark, arrival_mark, arrivals, finished_before
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import runs_by_ids

BATCH = 1_000


class ArrivalTracker:
    def __init__(self, conn: Connection) -> None:
        # Runs stored before the first subscriber came are history, not news.
        self.low = arrival_mark(conn).seq
        self.seen: set[int] = set()
        self.pending: list[ArrivalMark] = []

    def poll(self, conn: Connection) -> tuple[list[Run], bool]:
        """Runs that arrived since the last poll, in arrival order, and whether more are waiting (a full batch)."""
        horizon = finished_before(conn)
        final = [m for m in self.pending if horizon is None or all(x < horizon for x in m.waiting_on)]
        self.pending = [m for m in self.pending if m not in final]
        target = max((m.seq for m in final), default=self.low)

        found = arrivals(conn, self.low, BATCH)
        new = [a for a in found if a.seq not in self.seen]
        self.seen.update(a.seq for a in new)
        full = len(found) == BATCH
        # Rows up to a final mark were all visible to the read above, unless the batch was cut short.
        self.low = max(self.low, min(target, found[-1].seq) if full else target)
        self.seen = {s for s in self.seen if s > self.low}
        self.pending.append(arrival_mark(conn))

        runs = runs_by_ids(conn, [a.span_id for a in new]) if new else {}
        return [runs[a.span_id] for a in new if a.span_id in runs], full
