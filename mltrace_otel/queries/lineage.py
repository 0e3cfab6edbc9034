"""Lineage reads over the materialised edges: per-level batches for loaders, whole graphs in one walk.

Every walk is a recursive CTE with ``UNION`` and a depth cap: ``UNION`` drops repeated (run, depth) rows, and the
cap ends cycles (a run that rewrites its own input, or span links that loop). A path-string cycle guard would
explode on diamond-shaped DAGs; this one costs one row per (run, distance).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, column, func, select, text

from mltrace_otel.queries.errors import InvalidArgument, NotFound

# Re-exported: lineage's per-level questions live beside the edge reads they use.
from mltrace_otel.queries.records import Edge, LineageGraph, Run
from mltrace_otel.queries.runs import JSON_COLUMNS, RUN_COLUMNS, chunks, normalize_run_id, run_from_row
from mltrace_otel.store.models import io_pointers, run_io

DEFAULT_MAX_DEPTH = 1_000


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"


def latest_producers(conn: Connection, pointers: Sequence[str]) -> dict[str, str]:
    """The run that last produced each pointer: the latest successful one (latest end, ties by span id), else the
    latest failed attempt when no run succeeded; pointers never produced are absent."""
    found: dict[str, str] = {}
    for part in chunks(pointers):
        ranked = (
            select(
                run_io.c.pointer,
                run_io.c.span_id,
            )
            .where(run_io.c.direction == "out", run_io.c.pointer.in_(part))
            .order_by(run_io.c.pointer, run_io.c.failed.desc(), run_io.c.end_ns, run_io.c.span_id)
        )
        # Ascending order, failed attempts before successful runs: the last row per pointer wins. One pass, no
        # per-pointer query.
        for pointer, span_id in conn.execute(ranked):
            found[pointer] = span_id
    return found


def producer_choice(outputs: Any) -> Select[Any]:
    """(pointer, span_id) of the run that last produced each pointer ``outputs`` (a subquery of names) selects,
    chosen as ``latest_producers`` chooses, in one statement whatever their number."""
    ranked = (
        select(
            run_io.c.pointer,
            run_io.c.span_id,
            func.row_number()
            .over(
                partition_by=run_io.c.pointer,
                order_by=(run_io.c.failed, run_io.c.end_ns.desc(), run_io.c.span_id.desc()),
            )
            .label("pick"),
        )
        .where(run_io.c.direction == "out", run_io.c.pointer.in_(outputs))
        .subquery()
    )
    return select(ranked.c.pointer, ranked.c.span_id).where(ranked.c.pick == 1)


def runs_touching(conn: Connection, pointers: Sequence[str], direction: str) -> dict[str, list[str]]:
    """Run ids that read (``"in"``) or wrote (``"out"``) each pointer, newest first."""
    result: dict[str, list[str]] = {p: [] for p in pointers}
    for part in chunks(pointers):
        stmt = (
            select(run_io.c.pointer, run_io.c.span_id)
            .where(run_io.c.direction == direction, run_io.c.pointer.in_(part))
            .order_by(run_io.c.pointer, run_io.c.start_ns.desc(), run_io.c.span_id.desc())
        )
        for pointer, span_id in conn.execute(stmt):
            result[pointer].append(span_id)
    return result


def _walk_sql(direction: Direction) -> str:
    near, far = ("consumer_id", "producer_id") if direction is Direction.UPSTREAM else ("producer_id", "consumer_id")
    return f"""
WITH RECURSIVE walk(run_id, depth) AS (
    SELECT span_id, 0 FROM spans WHERE span_id IN :roots
    UNION
    SELECT e.{far}, w.depth + 1
    FROM walk w JOIN run_edges e ON e.{near} = w.run_id
    WHERE w.depth < :max_depth
),
nodes AS (
    SELECT w.run_id, MIN(w.depth) AS depth FROM walk w JOIN spans s ON s.span_id = w.run_id
    WHERE s.component IS NOT NULL OR w.depth = 0  -- linked plain spans are not lineage nodes (they have no edges)
    GROUP BY w.run_id
)
"""


def _statement(direction: Direction, body: str) -> Any:
    return text(_walk_sql(direction) + body).bindparams(bindparam("roots", expanding=True))


_JSON_NAMES = {c.name for c in JSON_COLUMNS}


def _runs_body(json_value: str) -> str:
    return (
        "SELECT "
        + ", ".join(json_value.format(c.name) if c.name in _JSON_NAMES else f"s.{c.name}" for c in RUN_COLUMNS)
        + ", n.depth AS walk_depth FROM nodes n JOIN spans s ON s.span_id = n.run_id "
        "ORDER BY n.depth, s.start_ns, s.span_id LIMIT :limit"
    )


_RUNS_BODY = _runs_body("CAST(s.{0} AS TEXT) AS {0}")
# An outline leaves the JSON columns out (they read as empty): the 499-run DAG's are some 280 KB of text that a
# graph drawing never shows.
_OUTLINE_BODY = _runs_body("CAST(NULL AS TEXT) AS {0}")


def _edges_from(conn: Connection, direction: Direction, near_ids: Sequence[str]) -> Any:
    """Every edge walked out of ``near_ids`` (the consumers upstream, the producers downstream), by key, in one
    statement whatever their number: the walk already found the runs, walking again to find their edges cost
    as much as the first walk. Postgres takes the ids as one array; SQLite as one JSON array."""
    near = "consumer_id" if direction is Direction.UPSTREAM else "producer_id"
    value: list[str] | str
    if conn.dialect.name == "postgresql":
        keys, value = "= ANY(:ids)", list(near_ids)
    else:
        keys, value = "IN (SELECT value FROM json_each(:ids))", json.dumps(list(near_ids))
    sql = text(
        f"SELECT e.consumer_id, e.producer_id, e.via, e.kind FROM run_edges e WHERE e.{near} {keys} "
        "ORDER BY e.consumer_id, e.producer_id, e.via"
    )
    return conn.execute(sql, {"ids": value}).all()


def lineage(
    conn: Connection,
    *,
    run_ids: Sequence[str] = (),
    output: str | None = None,
    direction: Direction = Direction.UPSTREAM,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int | None = None,
    outline: bool = False,
    with_edges: bool = True,
) -> LineageGraph:
    """The whole upstream (dependencies) or downstream (dependents) graph of runs or of an output.

    ``outline``: the runs without their JSON columns (attributes, events, links, resource and scope read as
    empty), for answers that show only the runs' plain columns; never hand such runs to other callers.
    ``with_edges=False``: the runs only (edges empty), for a caller that reads the edges with ``walked_edges``
    beside other reads of the same runs.

    Two statements whatever the graph's size or depth: the walk (runs with their distance), then the edges out
    of them by key.
    An output starts from its latest producer, as ``trace`` does.
    """
    if max_depth < 0:
        raise InvalidArgument(f"maxDepth must be >= 0 (got {max_depth})")
    roots = [normalize_run_id(r) for r in run_ids]
    if output is not None:
        producer = latest_producers(conn, [output]).get(output)
        if producer is None:
            raise NotFound("output", output, "no stored run lists it among its outputs")
        roots.append(producer)
    if not roots:
        raise InvalidArgument("lineage needs a run id or an output")
    limit = max_nodes + 1 if max_nodes is not None else 2**62
    params = {"roots": roots, "max_depth": max_depth, "limit": limit}
    runs: dict[str, Run] = {}
    depths: dict[str, int] = {}
    # Typed result columns, as select(*RUN_COLUMNS) would give (JSON stays text until a caller reads it).
    body = _OUTLINE_BODY if outline else _RUNS_BODY
    runs_stmt = _statement(direction, body).columns(*RUN_COLUMNS, column("walk_depth", Integer))
    # .all() fetches in one driver call; iterating the result would fetch row by row (measured 20% of the time).
    for row in conn.execute(runs_stmt, params).all():
        run = run_from_row(row)
        runs[run.id] = run
        depths[run.id] = row[-1]  # walk_depth, after the run columns
    missing = [r for r in roots if r not in runs]
    if missing:
        raise NotFound("run", missing[0])
    truncated = max_nodes is not None and len(runs) > max_nodes
    if truncated:
        for rid in list(runs)[max_nodes:]:
            del runs[rid], depths[rid]
    graph = LineageGraph(roots=list(dict.fromkeys(roots)), depths=depths, runs=runs, edges=[], truncated=truncated)
    if with_edges:
        graph.edges.extend(walked_edges(conn, graph, direction, max_depth))
    return graph


def walked_edges(conn: Connection, graph: LineageGraph, direction: Direction, max_depth: int) -> list[Edge]:
    """The edges of a graph ``lineage`` walked without them (``with_edges=False``), in one statement."""
    # An edge belongs to the graph when it could have been walked: from a node within the depth cap, to a node.
    runs = graph.runs
    near_ids = [rid for rid, depth in graph.depths.items() if depth < max_depth]
    return [Edge(*row) for row in _edges_from(conn, direction, near_ids) if row[0] in runs and row[1] in runs]


def outputs_with_flags(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[tuple[str, bool]]]:
    """Each run's outputs with their flag, names in order (as ``io_with_pointers`` orders them): what a lineage
    node shows, without the inputs (a fan-in reads hundreds) and the pointers' other columns. Every id gets an
    entry."""
    found: dict[str, list[tuple[str, bool]]] = {rid: [] for rid in run_ids}
    for part in chunks(run_ids):
        stmt = (
            select(run_io.c.span_id, run_io.c.pointer, func.coalesce(io_pointers.c.flagged, False))
            .outerjoin(io_pointers, io_pointers.c.name == run_io.c.pointer)
            .where(run_io.c.direction == "out", run_io.c.span_id.in_(part))
            .order_by(run_io.c.span_id, run_io.c.pointer)
        )
        for span_id, pointer, flagged in conn.execute(stmt).all():
            found[span_id].append((pointer, bool(flagged)))
    return found


def upstream_sets(conn: Connection, root_ids: Sequence[str], max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, set[str]]:
    """For each root, the set of runs in its trace (itself included), all roots in one statement."""
    sql = text(
        """
WITH RECURSIVE walk(root_id, run_id, depth) AS (
    SELECT span_id, span_id, 0 FROM spans WHERE span_id IN :roots
    UNION
    SELECT w.root_id, e.producer_id, w.depth + 1
    FROM walk w JOIN run_edges e ON e.consumer_id = w.run_id
    WHERE w.depth < :max_depth
)
SELECT DISTINCT w.root_id, w.run_id FROM walk w JOIN spans s ON s.span_id = w.run_id
WHERE s.component IS NOT NULL OR w.run_id = w.root_id
"""
    ).bindparams(bindparam("roots", expanding=True))
    result: dict[str, set[str]] = defaultdict(set)
    if root_ids:
        for root, run_id in conn.execute(sql, {"roots": list(dict.fromkeys(root_ids)), "max_depth": max_depth}):
            result[root].add(run_id)
    return dict(result)


def json_keys(conn: Connection, name: str) -> str:
    """A subquery of the strings in the JSON array bound to ``:name``: any number of keys in one parameter."""
    if conn.dialect.name == "postgresql":
        return f"SELECT json_array_elements_text(CAST(:{name} AS json))"
    return f"SELECT value FROM json_each(:{name})"
