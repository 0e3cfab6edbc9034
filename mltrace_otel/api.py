"""mltrace 0.17's Python API on the mltrace-otel store: ``import mltrace_otel as mltrace`` and go.

Same names, same arguments in the same order, same meaning; runs come back as 0.17's ``ComponentRun`` (a
``RunInfo``, which adds OTel's facts). Run ids are span ids (16 hex characters) where 0.17 used integers. Reads
flush this process's pending spans first, so they see every run the process already ended. Reads never write.
"""

from __future__ import annotations

import atexit
import random
import shutil
import string
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from mltrace_otel import config
from mltrace_otel.entities.io_pointer import IOPointer
from mltrace_otel.entities.run_info import RunInfo
from mltrace_otel.instrument import configure as _configure
from mltrace_otel.instrument.code_info import git_info_for_file
from mltrace_otel.instrument.component import Component
from mltrace_otel.queries import audited_writes as writes
from mltrace_otel.queries import components as q_components
from mltrace_otel.queries import pointers as q_pointers
from mltrace_otel.queries import runs as q_runs
from mltrace_otel.queries.cursors import encode_cursor
from mltrace_otel.queries.details import run_details
from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.lineage import DEFAULT_MAX_DEPTH, Direction, latest_producers, lineage
from mltrace_otel.queries.lineage_tree import web_trace_nodes
from mltrace_otel.queries.records import Component as ComponentRecord
from mltrace_otel.queries.records import IOPointer as PointerRecord
from mltrace_otel.queries.records import Run, datetime_to_ns
from mltrace_otel.queries.review import Review, review
from mltrace_otel.queries.staleness import stale_reasons
from mltrace_otel.store.engine import dispose_engine, get_engine

# ---------------------------------------------------------------- the database


_test_dir: Path | None = None
_test_url: str | None = None


def _throwaway_url() -> str:
    """A new empty SQLite store in this process's scratch directory (removed at exit): mltrace's ``"test"``."""
    global _test_dir
    if _test_dir is None:
        _test_dir = Path(tempfile.mkdtemp(prefix="mltrace-test-"))
        atexit.register(shutil.rmtree, _test_dir, True)
    return f"sqlite:///{_test_dir / uuid.uuid4().hex}.db"


def set_db_uri(uri: str) -> None:
    """Use ``uri`` for this process's reads and, from now on, for the runs it records.

    ``"test"`` (mltrace's in-memory database) is a new, empty throwaway store each time: a SQLite file in a scratch
    directory removed at exit (the exporter writes from its own thread, which an in-memory database cannot share).
    """
    global _test_url
    previous = _test_url
    if isinstance(uri, str) and uri.strip().lower() == "test":
        uri = _test_url = _throwaway_url()
    else:
        _test_url = None
    config.set_database_url(uri)
    if _configure.is_configured():
        _configure.configure(uri)  # flushes what the process recorded into the previous store first
    if previous is not None and previous != _test_url:
        # The previous throwaway store is done with: close it and delete its files.
        dispose_engine(previous)
        for path in Path(previous.removeprefix("sqlite:///")).parent.glob(Path(previous).name + "*"):
            path.unlink(missing_ok=True)


def set_address(address: str) -> None:
    """mltrace's ``set_address``: a Postgres host with mltrace's docker-compose credentials."""
    set_db_uri(f"postgresql://admin:admin@{address}:5432/sqlalchemy")


def get_db_uri() -> str:
    return _configure.store_url()


def clean_db() -> dict[str, int]:
    """Delete every run, component, pointer and flag in the store (mltrace dropped and re-created its tables; the
    schema stays here). Returns rows deleted per table."""
    with _write() as conn:
        return writes.clear(conn, writes.local_actor())


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


# ---------------------------------------------------------------- code versions


def get_git_hash() -> str | None:
    """The commit checked out in the git repository holding the working directory; None outside git."""
    return git_info_for_file(None)[0]


def get_git_tags() -> list[str] | None:
    """Tags pointing at that commit; None outside git or when none does (as mltrace 0.17)."""
    commit, tags = git_info_for_file(None)
    return list(tags) if commit and tags else None


# ---------------------------------------------------------------- components


def _component(record: ComponentRecord) -> Component:
    return Component(record.name, record.owner, record.description, tags=record.tags)


def create_component(
    name: str, description: str | None = None, owner: str | None = None, tags: Iterable[str] = ()
) -> Component:
    """Create a component, or update the description, owner and tags of an existing one."""
    with _write() as conn:
        return _component(q_components.create_component(conn, name, description, owner, list(tags)))


def tag_component(component_name: str, tags: Iterable[str]) -> Component:
    with _write() as conn:
        return _component(writes.tag_component(conn, writes.local_actor(), component_name, list(tags)))


def get_component_information(component_name: str) -> Component:
    with _read() as conn:
        return _component(q_components.get_component(conn, component_name))


def get_components(tag: str | None = None, owner: str | None = None) -> list[Component]:
    with _read() as conn:
        return [_component(c) for c in q_components.list_components(conn, tag=tag or None, owner=owner or None)]


def get_all_tags() -> list[str]:
    with _read() as conn:
        return q_components.all_tags(conn)


# ---------------------------------------------------------------- runs


def _infos(conn: Connection, runs: Iterable[Run]) -> list[RunInfo]:
    """Runs as mltrace's ComponentRun, in the given order, in a fixed number of statements."""
    details = run_details(conn, list(runs))
    names = sorted({p for d in details.values() for p in (*d.io.inputs, *d.io.outputs)})
    pointers = q_pointers.pointers_by_names(conn, names)
    return [
        RunInfo.from_details(d, pointers, newer_failed_attempts=[a.run_id for a in d.failed_attempts])
        for d in details.values()
    ]


def _moment(value: datetime | str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidArgument(f"{name} {value!r} is not a date or an ISO 8601 date and time") from exc
    if value in (datetime.min, datetime.max):  # mltrace's defaults meant "unbounded"
        return None
    return datetime_to_ns(value)


def get_history(
    component_name: str,
    limit: int = 10,
    date_lower: datetime | str | None = None,
    date_upper: datetime | str | None = None,
) -> list[RunInfo]:
    """The component's latest ``limit`` runs, newest first, optionally bounded by start time (inclusive)."""
    with _read() as conn:
        q_components.get_component(conn, component_name)
        page = q_runs.history(
            conn,
            component_name,
            first=limit,
            since_ns=_moment(date_lower, "date_lower"),
            until_ns=_moment(date_upper, "date_upper"),
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


def add_notes_to_component_run(component_run_id: str, notes: str) -> str:
    if not isinstance(notes, str):
        raise TypeError(f"notes must be a str (got {type(notes).__name__})")
    with _write() as conn:
        return writes.set_notes(conn, writes.local_actor(), component_run_id, notes).notes or ""


def create_random_ids(num_outputs: int = 1) -> list[str]:
    """Random 10-letter ids for outputs (predictions, say)."""
    rng = random.SystemRandom()
    return ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(num_outputs)]


# ---------------------------------------------------------------- pointers and flags


def _io_pointer(record: PointerRecord) -> IOPointer:
    return IOPointer(record.name, pointer_type=record.kind, flag=record.flagged)


def get_io_pointer(io_pointer_id: str, io_pointer_val: Any = None, create: bool = False) -> IOPointer:
    """Look up an IO pointer. A read never writes (mltrace inserted missing pointers): unknown names raise."""
    with _read() as conn:
        return _io_pointer(q_pointers.get_pointer(conn, io_pointer_id))


def flag_output_id(output_id: str) -> bool:
    with _write() as conn:
        return writes.set_flag(conn, writes.local_actor(), output_id, True).flagged


def unflag_output_id(output_id: str) -> bool:
    with _write() as conn:
        return not writes.set_flag(conn, writes.local_actor(), output_id, False).flagged


def unflag_all() -> int:
    with _write() as conn:
        return writes.unflag_all(conn, writes.local_actor())


# ---------------------------------------------------------------- lineage


def latest_producer(output_id: str) -> str:
    """The run that produced ``output_id``: the latest successful one, else the latest failed attempt."""
    with _read() as conn:
        producer = latest_producers(conn, [output_id]).get(output_id)
    if producer is None:
        raise NotFound("output", output_id, "no stored run lists it among its outputs")
    return producer


def backtrace(output_pointer: str, max_depth: int = DEFAULT_MAX_DEPTH) -> list[tuple[int, RunInfo]]:
    """The runs that produced ``output_pointer``, as (distance, run), nearest first; each run once."""
    if not isinstance(output_pointer, str):
        raise TypeError(f"give the output id as a string (got {type(output_pointer).__name__})")
    with _read() as conn:
        graph = lineage(conn, output=output_pointer, direction=Direction.UPSTREAM, max_depth=max_depth)
        infos = {i.id: i for i in _infos(conn, graph.runs.values())}
        return [(graph.depths[rid], infos[rid]) for rid in graph.runs]


def web_trace(output_id: str, max_depth: int = DEFAULT_MAX_DEPTH) -> list[dict[str, Any]]:
    """The trace as mltrace's UI tree (``queries/lineage_tree.web_trace_nodes``); any depth, a shared ancestor
    expanded once. A fixed number of statements for any graph."""
    from mltrace_otel.queries.failed_attempts import newer_failed_attempts

    with _read() as conn:
        graph = lineage(conn, output=output_id, max_depth=max_depth)
        ids = list(graph.runs)
        io = q_runs.run_io_by_ids(conn, ids)
        names = sorted({p for r in io.values() for p in r.outputs})
        found = q_pointers.pointers_by_names(conn, names)
        outputs = {
            rid: [found.get(n) or PointerRecord(n, "unknown", False, None, 0) for n in io[rid].outputs] for rid in ids
        }
        stale = stale_reasons(conn, ids)
        attempts = newer_failed_attempts(conn, ids)
    return web_trace_nodes(graph, outputs, stale, attempts)


# ---------------------------------------------------------------- review


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
