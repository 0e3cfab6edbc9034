"""Dependencies and dependents *with* their runs, in one statement per 2,000 keys.

``lineage.dependencies_of`` returns edges only, so a nested GraphQL ``dependencies`` level would cost two round
trips (edges, then runs). Joining the edge to the run it points at halves that: one statement per nesting level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from mltrace_otel.queries.records import Edge, Run
from mltrace_otel.queries.runs import RUN_COLUMNS, chunks, run_from_row
from mltrace_otel.store.models import run_edges, spans

LinkedRuns = dict[str, list[tuple[Edge, Run]]]

_EDGE_COLUMNS = (
    run_edges.c.consumer_id.label("edge_consumer_id"),
    run_edges.c.producer_id.label("edge_producer_id"),
    run_edges.c.via.label("edge_via"),
    run_edges.c.kind.label("edge_kind"),
)


def _linked(conn: Connection, run_ids: Sequence[str], near: Any, far: Any) -> LinkedRuns:
    result: LinkedRuns = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        # The inner join also hides edges to spans that have not arrived yet (a span link to a late span).
        stmt = (
            select(*_EDGE_COLUMNS, *RUN_COLUMNS)
            .join(spans, spans.c.span_id == far)
            .where(near.in_(part))
            .order_by(near, spans.c.start_ns, spans.c.span_id, run_edges.c.via)
        )
        for row in conn.execute(stmt):
            m = row._mapping
            edge = Edge(m["edge_consumer_id"], m["edge_producer_id"], m["edge_via"], m["edge_kind"])
            key = edge.consumer_id if near is run_edges.c.consumer_id else edge.producer_id
            result[key].append((edge, run_from_row(row)))
    return result


def dependency_runs(conn: Connection, run_ids: Sequence[str]) -> LinkedRuns:
    """For each run, (edge, producer run) pairs it depends on, oldest producer first; one edge per pointer."""
    return _linked(conn, run_ids, run_edges.c.consumer_id, run_edges.c.producer_id)


def dependent_runs(conn: Connection, run_ids: Sequence[str]) -> LinkedRuns:
    """For each run, (edge, consumer run) pairs that depend on it, oldest consumer first."""
    return _linked(conn, run_ids, run_edges.c.producer_id, run_edges.c.consumer_id)
