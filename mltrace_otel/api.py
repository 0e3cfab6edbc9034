"""mltrace 0.17's Python API on the mltrace-otel store: ``import mltrace_otel as mltrace`` and go.

Same names, same meaning; run ids are span ids (16 hex characters). Reads flush this process's pending spans
first, so they see every run the process already ended. Reads never write.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from mltrace_otel import config
from mltrace_otel.instrument import configure as _configure
from mltrace_otel.queries import components as q_components
from mltrace_otel.queries import pointers as q_pointers
from mltrace_otel.queries import runs as q_runs
from mltrace_otel.queries.cursors import encode_cursor
from mltrace_otel.queries.details import RunDetails, run_details
from mltrace_otel.queries.errors import NotFound
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, Direction, latest_producers, lineage
from mltrace_otel.queries.records import Component, IOPointer, Run, datetime_to_ns
from mltrace_otel.queries.review import Review, review
from mltrace_otel.store.engine import get_engine


@dataclass(frozen=True)
class RunInfo:
    """A component run as mltrace's API returned it (plus OTel ids and status)."""

    id: str
    trace_id: str
    component_name: str
    start_timestamp: datetime
    end_timestamp: datetime
    duration_ms: float
    status: str
    inputs: list[str]
    outputs: list[str]
    git_hash: str | None
    git_tags: list[str]
    code_snapshot: str | None
    notes: str | None
    dependencies: list[str]
    stale: list[str]

    @classmethod
    def from_details(cls, d: RunDetails) -> RunInfo:
        return cls(
            id=d.run.id,
            trace_id=d.run.trace_id,
            component_name=d.run.component or d.run.name,
            start_timestamp=d.run.start,
            end_timestamp=d.run.end,
            duration_ms=d.run.duration_ms,
            status=d.run.status_code,
            inputs=list(d.io.inputs),
            outputs=list(d.io.outputs),
            git_hash=d.run.git_hash,
            git_tags=d.run.git_tags,
            code_snapshot=d.code_snapshot,
            notes=d.run.notes,
            dependencies=list(dict.fromkeys(e.producer_id for e in d.dependencies)),
            stale=[s.reason for s in d.stale],
        )


def set_db_uri(uri: str) -> None:
    """Use ``uri`` for this process's reads and, from now on, for the runs it records."""
    config.set_database_url(uri)
    if _configure.is_configured():
        _configure.configure(uri)


def set_address(address: str) -> None:
    """mltrace's ``set_address``: a Postgres host with mltrace's docker-compose credentials."""
    set_db_uri(f"postgresql://admin:admin@{address}:5432/sqlalchemy")


def get_db_uri() -> str:
    return _configure.store_url()


@contextmanager
def _read() -> Iterator[Connection]:
    _configure.flush()
    with get_engine(_configure.store_url()).connect() as conn:
        yield conn


@contextmanager
def _write() -> Iterator[Connection]:
    _configure.flush()
    with get_engine(_configure.store_url()).begin() as conn:
        yield conn


def _infos(conn: Connection, runs: Iterable[Run]) -> list[RunInfo]:
    details = run_details(conn, list(runs))
    return [RunInfo.from_details(d) for d in details.values()]


def create_component(
    name: str, description: str | None = None, owner: str | None = None, tags: Iterable[str] = ()
) -> Component:
    with _write() as conn:
        return q_components.create_component(conn, name, description, owner, list(tags))


def tag_component(component_name: str, tags: Iterable[str]) -> Component:
    with _write() as conn:
        return q_components.tag_component(conn, component_name, list(tags))


def get_component_information(component_name: str) -> Component:
    with _read() as conn:
        return q_components.get_component(conn, component_name)


def get_components(tag: str | None = None, owner: str | None = None) -> list[Component]:
    with _read() as conn:
        return q_components.list_components(conn, tag=tag, owner=owner)


def get_all_tags() -> list[str]:
    with _read() as conn:
        return q_components.all_tags(conn)


def get_history(
    component_name: str,
    limit: int = 10,
    date_lower: datetime | None = None,
    date_upper: datetime | None = None,
) -> list[RunInfo]:
    """The component's latest ``limit`` runs, newest first, optionally bounded by start time."""
    with _read() as conn:
        q_components.get_component(conn, component_name)
        page = q_runs.history(
            conn,
            component_name,
            first=limit,
            since_ns=datetime_to_ns(date_lower) if date_lower else None,
            until_ns=datetime_to_ns(date_upper) if date_upper else None,
        )
        return _infos(conn, page.items)


def get_recent_run_ids(limit: int = 5, last_run_id: str | None = None) -> list[str]:
    """Ids of the latest runs, newest first; pass the last id seen to get the page after it."""
    with _read() as conn:
        after = None
        if last_run_id:
            last = q_runs.get_run(conn, last_run_id)
            after = encode_cursor(last.start_ns, last.id)
        return [r.id for r in q_runs.recent_runs(conn, first=limit, after=after).items]


def get_component_run_information(component_run_id: str) -> RunInfo:
    with _read() as conn:
        return _infos(conn, [q_runs.get_run(conn, component_run_id)])[0]


def get_io_pointer(io_pointer_id: str, io_pointer_val: Any = None, create: bool = False) -> IOPointer:
    """Look up an IO pointer. A read never writes (mltrace inserted missing pointers): unknown names raise."""
    with _read() as conn:
        return q_pointers.get_pointer(conn, io_pointer_id)


def backtrace(output_pointer: str, max_depth: int = DEFAULT_MAX_DEPTH) -> list[tuple[int, RunInfo]]:
    """The runs that produced ``output_pointer``, as (distance, run), nearest first; each run once."""
    with _read() as conn:
        graph = lineage(conn, output=output_pointer, direction=Direction.UPSTREAM, max_depth=max_depth)
        infos = {i.id: i for i in _infos(conn, graph.runs.values())}
        return [(graph.depths[rid], infos[rid]) for rid in graph.runs]


def web_trace(output_id: str) -> list[dict[str, Any]]:
    """The trace as mltrace's UI tree: nodes with ``childNodes``; a shared ancestor is expanded once."""
    with _read() as conn:
        graph = lineage(conn, output=output_id)
        io = q_runs.run_io_by_ids(conn, list(graph.runs))
    deps: dict[str, list[str]] = {rid: [] for rid in graph.runs}
    for edge in graph.edges:
        if edge.producer_id not in deps[edge.consumer_id]:
            deps[edge.consumer_id].append(edge.producer_id)
    expanded: set[str] = set()

    def node(rid: str, level: int) -> dict[str, Any]:
        run = graph.runs[rid]
        first_time = rid not in expanded
        expanded.add(rid)
        children = [node(d, level + 1) for d in deps[rid]] if first_time else []
        outputs = [{"id": f"{rid}:{o}", "label": o, "hasCaret": False} for o in io[rid].outputs]
        return {
            "id": rid,
            "label": run.component or run.name,
            "hasCaret": True,
            "isExpanded": first_time,
            "failed": run.failed,
            "childNodes": outputs + children,
            "shared": not first_time,
            "level": level,
        }

    return [node(root, 0) for root in graph.roots]


def flag_output_id(output_id: str) -> bool:
    with _write() as conn:
        return q_pointers.set_flag(conn, output_id, True).flagged


def unflag_output_id(output_id: str) -> bool:
    with _write() as conn:
        return not q_pointers.set_flag(conn, output_id, False).flagged


def unflag_all() -> int:
    with _write() as conn:
        return q_pointers.unflag_all(conn)


def review_flagged_outputs(limit: int | None = None) -> tuple[list[str], list[tuple[RunInfo, int]]]:
    """mltrace's shape: (flagged outputs, [(run, in how many flagged traces)]), most suspicious first.

    Runs are ordered by Ochiai suspiciousness, which also uses unflagged outputs; ``review_details`` returns the
    scores and their explanations.
    """
    result = review_details(limit)
    with _read() as conn:
        infos = {i.id: i for i in _infos(conn, [s.run for s in result.runs])}
    return [p.name for p in result.flagged], [(infos[s.run.id], s.failed) for s in result.runs]


def review_details(limit: int | None = None) -> Review:
    with _read() as conn:
        return review(conn, limit=limit)


def add_notes_to_component_run(component_run_id: str, notes: str) -> str:
    with _write() as conn:
        return q_runs.set_notes(conn, component_run_id, notes).notes or ""


def create_random_ids(num_outputs: int = 1) -> list[str]:
    """Random 10-letter ids for outputs (predictions, say), as mltrace made them."""
    rng = random.SystemRandom()
    return ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(num_outputs)]


def latest_producer(output_id: str) -> str:
    with _read() as conn:
        producer = latest_producers(conn, [output_id]).get(output_id)
    if producer is None:
        raise NotFound("output", output_id, "no stored run lists it among its outputs")
    return producer
