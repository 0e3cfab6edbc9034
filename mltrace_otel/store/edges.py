"""Materialised lineage edges, kept true whatever order spans arrive in (DESIGN §2).

Run R depends on P via pointer X when P is the latest producer of X that ended at or before R started (ties:
higher span id), else the latest that started before R started (clock skew), never R itself. Each (R, X) edge is
a pure function of the stored runs, so after every batch we recompute exactly the pairs the batch could change:
the new runs' own inputs, and earlier-stored consumers of the new runs' outputs that started after them. A
late producer therefore re-points edges, and the result equals the in-order one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text

from mltrace_otel.store.models import LINK_VIA, run_edges
from mltrace_otel.store.upsert import insert_ignore

# One key for every mltrace-otel process: edge repair is serialised per database, so two replicas ingesting a
# producer and its consumer at the same moment cannot both miss each other (READ COMMITTED snapshots).
_EDGE_LOCK_KEY = 7_420_170_002
# Keeps each statement's bound parameter list well under SQLite's and psycopg2's comfortable limits.
CHUNK = 2_000

_AFFECTED = """
WITH affected AS (
    SELECT i.span_id AS consumer_id, i.pointer AS via, i.start_ns AS start_ns
    FROM run_io i
    WHERE i.direction = 'in' AND i.span_id IN :ids
    UNION
    SELECT i.span_id, i.pointer, i.start_ns
    FROM run_io o
    JOIN run_io i ON i.pointer = o.pointer AND i.direction = 'in' AND i.start_ns >= o.start_ns
    WHERE o.direction = 'out' AND o.span_id IN :ids
)
"""

_DELETE = text(
    _AFFECTED
    + """
DELETE FROM run_edges
WHERE kind = 'io' AND EXISTS (
    SELECT 1 FROM affected a WHERE a.consumer_id = run_edges.consumer_id AND a.via = run_edges.via
)
"""
).bindparams(bindparam("ids", expanding=True))

_INSERT = text(
    _AFFECTED
    + """
INSERT INTO run_edges (consumer_id, producer_id, via, kind)
SELECT chosen.consumer_id, chosen.producer_id, chosen.via, 'io'
FROM (
    SELECT a.consumer_id, a.via, COALESCE(
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.via AND o.direction = 'out' AND o.end_ns <= a.start_ns AND o.span_id <> a.consumer_id
         ORDER BY o.end_ns DESC, o.span_id DESC LIMIT 1),
        (SELECT o.span_id FROM run_io o
         WHERE o.pointer = a.via AND o.direction = 'out' AND o.start_ns < a.start_ns AND o.span_id <> a.consumer_id
         ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1)
    ) AS producer_id
    FROM affected a
) AS chosen
WHERE chosen.producer_id IS NOT NULL
"""
).bindparams(bindparam("ids", expanding=True))


def repair_edges(conn: Connection, new_run_ids: Sequence[str], links: Sequence[tuple[str, str]]) -> None:
    """Recompute every IO edge the new runs can change, and record their span links as edges.

    ``links`` holds (consumer run id, linked span id) pairs. Runs in the same call are all visible to each other,
    so a batch that contains a producer and its consumer links them regardless of their order in the batch.
    """
    if not new_run_ids and not links:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _EDGE_LOCK_KEY})
    for start in range(0, len(new_run_ids), CHUNK):
        ids = list(new_run_ids[start : start + CHUNK])
        conn.execute(_DELETE, {"ids": ids})
        conn.execute(_INSERT, {"ids": ids})
    if links:
        rows = [
            {"consumer_id": consumer, "producer_id": producer, "via": LINK_VIA, "kind": "link"}
            for consumer, producer in dict.fromkeys(links)
            if consumer != producer
        ]
        if rows:
            conn.execute(insert_ignore(conn, run_edges, ["consumer_id", "producer_id", "via"]), rows)
