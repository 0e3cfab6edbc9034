"""Per-request DataLoaders: each batches one query-layer function over all keys of a level (docs/design.md §5).

Every loader is the same shape, so one factory makes them: ``fetch(conn, keys)`` answers a mapping from key to
value in one statement (or one per 2,000 keys), and the loader hands each key its value. ``by_key`` is for
lookups where an unknown key loads as None; ``every_key`` for batch functions that answer every key (an empty
list when there is nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection
from strawberry.dataloader import DataLoader

from graphql_server.database import Database
from mltrace_otel.errors import NotFound
from mltrace_otel.monitoring.run_drift import RunDrift, drifted_runs
from mltrace_otel.queries.audit import AuditEntry, latest_flags
from mltrace_otel.queries.components import components_by_names
from mltrace_otel.queries.details import snapshots_by_hash
from mltrace_otel.queries.failed_attempts import FailedAttempt, newer_failed_attempts
from mltrace_otel.queries.lineage import runs_touching
from mltrace_otel.queries.linked_runs import dependency_runs, dependent_runs
from mltrace_otel.queries.pointers import io_with_pointers, pointers_by_names
from mltrace_otel.queries.records import Component, Edge, IOPointer, Run, RunIO, StaleReason
from mltrace_otel.queries.runs import runs_by_ids
from mltrace_otel.queries.staleness import stale_reasons

V = TypeVar("V")
Fetch = Callable[[Connection, list[str]], Mapping[str, V]]


def by_key(db: Database, fetch: Fetch[V]) -> DataLoader[str, V | None]:
    async def load(keys: list[str]) -> list[V | None]:
        found = await db.read(fetch, keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def every_key(db: Database, fetch: Fetch[V]) -> DataLoader[str, V]:
    async def load(keys: list[str]) -> list[V]:
        found = await db.read(fetch, keys)
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


async def load_existing(loader: DataLoader[str, V | None], key: str, what: str, detail: str = "") -> V:
    """``loader``'s value for ``key``; NotFound (GraphQL: null and a NOT_FOUND error) when there is none."""
    found = await loader.load(key)
    if found is None:
        raise NotFound(what, key, detail)
    return found


def _touching(direction: str) -> Fetch[list[str]]:
    def fetch(conn: Connection, keys: list[str]) -> Mapping[str, list[str]]:
        return runs_touching(conn, keys, direction)

    return fetch


def _run_io(db: Database, pointers: DataLoader[str, IOPointer | None]) -> DataLoader[str, RunIO]:
    """IO of runs; the pointers read with them prime ``pointers``, so their flags cost no second statement."""

    async def load(keys: list[str]) -> list[RunIO]:
        found, named = await db.read(io_with_pointers, keys)
        pointers.prime_many(named)
        return [found[key] for key in keys]

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class Loaders:
    run_by_id: DataLoader[str, Run | None]
    run_io: DataLoader[str, RunIO]
    run_dependencies: DataLoader[str, list[tuple[Edge, Run]]]
    run_dependents: DataLoader[str, list[tuple[Edge, Run]]]
    run_stale_reasons: DataLoader[str, list[StaleReason]]
    run_failed_attempts: DataLoader[str, list[FailedAttempt]]
    component_by_name: DataLoader[str, Component | None]
    pointer_by_name: DataLoader[str, IOPointer | None]
    pointer_producers: DataLoader[str, list[str]]
    pointer_consumers: DataLoader[str, list[str]]
    code_snapshot: DataLoader[str, str | None]
    flag_event: DataLoader[str, AuditEntry | None]  # who flagged each pointer (the audit log), by pointer name
    run_drift: DataLoader[str, list[RunDrift]]  # drifted task windows each run's outputs fall in

    @classmethod
    def create(cls, db: Database) -> Loaders:
        """Fresh loaders: their caches live for one request (or one subscription event), never longer."""
        pointer_by_name = by_key(db, pointers_by_names)
        return cls(
            run_by_id=by_key(db, runs_by_ids),
            run_io=_run_io(db, pointer_by_name),
            run_dependencies=every_key(db, dependency_runs),
            run_dependents=every_key(db, dependent_runs),
            run_stale_reasons=every_key(db, stale_reasons),
            run_failed_attempts=every_key(db, newer_failed_attempts),
            component_by_name=by_key(db, components_by_names),
            pointer_by_name=pointer_by_name,
            pointer_producers=every_key(db, _touching("out")),
            pointer_consumers=every_key(db, _touching("in")),
            code_snapshot=by_key(db, snapshots_by_hash),
            flag_event=by_key(db, latest_flags),
            run_drift=every_key(db, drifted_runs),
        )
