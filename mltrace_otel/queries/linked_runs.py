"""A run's dependencies and dependents: edges, optionally with the runs at their other end, one statement per
2,000 keys. With the runs joined in, a nested GraphQL ``dependencies`` level costs one round trip, not two.

Only edges whose other end is a stored component run count: a span link to a span that has not arrived yet stays
hidden until it does (no repair needed), and a link to a plain span is part of the OTel trace, not of lineage.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
# (the end the keys are on, the other end)
_UPSTREAM = (run_edges.c.consumer_id, run_edges.c.producer_id)
_DOWNSTREAM = (run_edges.c.producer_id, run_edges.c.consumer_id)


def _edge_rows(
    conn: Connection, run_ids: Sequence[str], ends: tuple[Any, Any], with_runs: bool
) -> Iterator[tuple[str, Edge, Any]]:
    near, far = ends
    columns = (*_EDGE_COLUMNS, *RUN_COLUMNS) if with_runs else _EDGE_COLUMNS
    for part in chunks(run_ids):
        stmt = (
            select(*columns)
            .join(spans, spans.c.span_id == far)
            .where(near.in_(part), spans.c.component.is_not(None))
            .order_by(near, spans.c.start_ns, spans.c.span_id, run_edges.c.via)
        )
        for row in conn.execute(stmt):
            m = row._mapping
            edge = Edge(m["edge_consumer_id"], m["edge_producer_id"], m["edge_via"], m["edge_kind"])
            yield (edge.consumer_id if ends is _UPSTREAM else edge.producer_id), edge, row


def _runs(conn: Connection, run_ids: Sequence[str], ends: tuple[Any, Any]) -> LinkedRuns:
    result: LinkedRuns = {rid: [] for rid in run_ids}
    for key, edge, row in _edge_rows(conn, run_ids, ends, with_runs=True):
        result[key].append((edge, run_from_row(row, len(_EDGE_COLUMNS))))
    return result


def _edges(conn: Connection, run_ids: Sequence[str], ends: tuple[Any, Any]) -> dict[str, list[Edge]]:
    result: dict[str, list[Edge]] = {rid: [] for rid in run_ids}
    for key, edge, _ in _edge_rows(conn, run_ids, ends, with_runs=False):
        result[key].append(edge)
    return result


def dependency_runs(conn: Connection, run_ids: Sequence[str]) -> LinkedRuns:
    """For each run, (edge, producer run) pairs it depends on, oldest producer first; one edge per pointer."""
    return _runs(conn, run_ids, _UPSTREAM)


def dependent_runs(conn: Connection, run_ids: Sequence[str]) -> LinkedRuns:
    """For each run, (edge, consumer run) pairs that depend on it, oldest consumer first."""
    return _runs(conn, run_ids, _DOWNSTREAM)


def dependencies_of(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[Edge]]:
    """Edges to the runs each of ``run_ids`` depends on."""
    return _edges(conn, run_ids, _UPSTREAM)


def dependents_of(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[Edge]]:
    """Edges from the runs that depend on each of ``run_ids``."""
    return _edges(conn, run_ids, _DOWNSTREAM)
