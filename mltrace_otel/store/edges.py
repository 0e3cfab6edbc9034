"""Materialised lineage edges, kept true whatever order spans arrive in (docs/design.md §2).

Run R depends on P via pointer X when P is the latest producer of X that ended at or before R started (ties:
higher span id), else the latest that started before R started (clock skew), never R itself. Failed runs do not
produce: a successful producer chosen so wins, and a failed one is chosen only when no successful one qualifies
(its intended outputs are all there is to show). Each (R, X) edge is
a pure function of the stored runs, so after every batch we recompute exactly the pairs the batch could change:
1. the new runs' own inputs (they have no edges yet: insert only), and
2. already-stored consumers of the new runs' outputs that started at or after them (a late producer may now be
   the right one: delete and recompute). In-order arrival finds none, so this costs one cheap statement.
Inputs of a run that opted out of lineage through inputs (``traced`` false: mltrace's
``set_dependencies_from_inputs=False``) take part in neither.
The result equals the in-order one. The batch's new inputs and outputs arrive as a relation built by
store/bulk.py (array parameters on Postgres, a temp table on SQLite), so each step is one set-based statement
however large the batch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from mltrace_otel.store.bulk import BulkWriter
from mltrace_otel.store.models import LINK_VIA

# One key for every mltrace-otel process: edge repair is serialised per database, so two replicas ingesting a
# producer and its consumer at the same moment cannot both miss each other (READ COMMITTED snapshots).
_EDGE_LOCK_KEY = 7_420_170_002
_EDGE_KEY = ("consumer_id", "producer_id", "via")

# The producer docs/design.md §2 chooses for consumer a.consumer_id reading pointer a.via, started at a.start_ns:
# successful runs first, then failed ones, each by "ended before it started", else "started before it started".
# Each branch is one backwards index seek (ix_run_io_out_failed_end / ix_run_io_pointer_start); the second skips
# failed rows as it scans, and runs only when no successful producer ended in time (clock skew). The last needs no
# status test: it is reached only when no successful producer started in time either.
_CHOSEN_PRODUCER = """COALESCE(
    (SELECT o.span_id FROM run_io o
     WHERE o.pointer = a.via AND o.direction = 'out' AND o.failed = false AND o.end_ns <= a.start_ns
         AND o.span_id <> a.consumer_id
     ORDER BY o.end_ns DESC, o.span_id DESC LIMIT 1),
    (SELECT o.span_id FROM run_io o
     WHERE o.pointer = a.via AND o.direction = 'out' AND o.failed = false AND o.start_ns < a.start_ns
         AND o.span_id <> a.consumer_id
     ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1),
    (SELECT o.span_id FROM run_io o
     WHERE o.pointer = a.via AND o.direction = 'out' AND o.failed = true AND o.end_ns <= a.start_ns
         AND o.span_id <> a.consumer_id
     ORDER BY o.end_ns DESC, o.span_id DESC LIMIT 1),
    (SELECT o.span_id FROM run_io o
     WHERE o.pointer = a.via AND o.direction = 'out' AND o.start_ns < a.start_ns AND o.span_id <> a.consumer_id
     ORDER BY o.start_ns DESC, o.span_id DESC LIMIT 1)
)"""


@functools.lru_cache(maxsize=16)
def _insert_chosen(source: str) -> Any:
    # MATERIALIZED: without it Postgres inlines the choice into the NOT NULL filter and runs every seek twice.
    return text(
        f"""
WITH chosen AS MATERIALIZED (
    SELECT a.consumer_id, a.via, {_CHOSEN_PRODUCER} AS producer_id FROM {source} a
)
INSERT INTO run_edges (consumer_id, producer_id, via, kind)
SELECT chosen.consumer_id, chosen.producer_id, chosen.via, 'io' FROM chosen
WHERE chosen.producer_id IS NOT NULL
"""
    )


@functools.lru_cache(maxsize=16)
def _find_affected(dialect: str, new_outputs: str) -> Any:
    """Stored consumers of a new output that started at or after its producer (a late producer may re-point them).

    Postgres: LATERAL forces one index seek per new output whatever the statistics say (a fresh run_io has none).
    """
    if dialect == "postgresql":
        join = """CROSS JOIN LATERAL (
    SELECT r.span_id, r.pointer, r.start_ns FROM run_io r
    WHERE r.pointer = o.pointer AND r.direction = 'in' AND r.start_ns >= o.start_ns AND r.traced = true
) i"""
    else:
        join = (
            "JOIN run_io i ON i.pointer = o.pointer AND i.direction = 'in' AND i.start_ns >= o.start_ns"
            " AND i.traced = true"
        )
    return text(f"SELECT DISTINCT i.span_id, i.pointer, i.start_ns FROM {new_outputs} o {join}")


@functools.lru_cache(maxsize=16)
def _delete_affected(affected: str) -> Any:
    return text(
        f"""
DELETE FROM run_edges
WHERE kind = 'io' AND EXISTS (
    SELECT 1 FROM {affected} a WHERE a.consumer_id = run_edges.consumer_id AND a.via = run_edges.via
)
"""
    )


def repair_edges(
    conn: Connection,
    writer: BulkWriter,
    new_inputs: list[tuple[str, str, int]],
    new_outputs: list[tuple[str, str, int]],
    links: Sequence[tuple[str, str]],
) -> None:
    """Recompute every IO edge the batch's new runs can change, and record their span links.

    ``new_inputs``: (consumer id, pointer, start ns); ``new_outputs``: (producer id, pointer, start ns); ``links``:
    (consumer run id, linked span id). Runs of one batch all see each other, so a batch holding a producer and
    its consumer links them whatever their order inside the batch.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _EDGE_LOCK_KEY})
    if new_inputs:
        source, params = writer.relation("stage_new_inputs", new_inputs)
        conn.execute(_insert_chosen(source), params)
    if new_outputs:
        source, params = writer.relation("stage_new_outputs", new_outputs)
        new_consumers = {consumer for consumer, _, _ in new_inputs}
        # The batch's own consumers were just computed with every new producer visible: skip them.
        affected = [
            (consumer, via, start)
            for consumer, via, start in conn.execute(_find_affected(conn.dialect.name, source), params)
            if consumer not in new_consumers
        ]
        if affected:
            source, params = writer.relation("stage_affected", affected)
            conn.execute(_delete_affected(source), params)
            conn.execute(_insert_chosen(source), params)
    link_rows = [
        (consumer, producer, LINK_VIA, "link") for consumer, producer in sorted(set(links)) if consumer != producer
    ]
    writer.insert_ignore("run_edges", ("consumer_id", "producer_id", "via", "kind"), link_rows, _EDGE_KEY)


def recompute_edges(conn: Connection, writer: BulkWriter, pairs: list[tuple[str, str, int]]) -> None:
    """Recompute the IO edges of stored (consumer id, pointer, start ns) pairs from the runs stored now.

    For a run replaced in place (an OpenLineage run whose late event changed it): the consumers that pointed at
    its old version choose their producer again. The caller holds the edge lock (:func:`lock_edges`).
    """
    if pairs:
        source, params = writer.relation("stage_affected", pairs)
        conn.execute(_delete_affected(source), params)
        conn.execute(_insert_chosen(source), params)


def lock_edges(conn: Connection) -> None:
    """Serialise edge changes with every other ingest on this database until the transaction ends (Postgres)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _EDGE_LOCK_KEY})
