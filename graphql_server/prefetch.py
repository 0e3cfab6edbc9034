"""Prefetching for large lists of runs (a whole lineage graph, a page of runs).

DataLoaders already make every fan-out one statement per level. For a list of hundreds of runs, what remains is
the cost of *waiting*: each run's ``outputs`` or ``stale`` would be its own coroutine, future and task. When the
resolver that returns the list sees such fields in the query, it loads them for all runs at once (still one
batched statement each) before returning; each run's field then finds its value already in the loader's cache and
answers synchronously (:func:`cached`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection
from strawberry.dataloader import DataLoader

from graphql_server.context import Info
from mltrace_otel.queries.pointers import io_with_pointers
from mltrace_otel.queries.records import IOPointer, Page, RunIO

K = TypeVar("K")
T = TypeVar("T")
_MISSING: Any = object()


def _children(nodes: Iterable[Any]) -> list[Any]:
    """The fields directly selected in ``nodes``' selection sets, with fragments expanded."""
    found: list[Any] = []
    stack = [child for node in nodes for child in getattr(node, "selections", ())]
    while stack:
        node = stack.pop()
        if hasattr(node, "arguments"):  # a field (fragment spreads and inline fragments have none)
            found.append(node)
        else:
            stack.extend(getattr(node, "selections", ()))
    return found


def selected_names(info: Info, path: Sequence[str] = ()) -> set[str]:
    """Names of the fields selected on the objects at ``path`` below the current field (fragments included).

    ``selected_names(info, ("nodes", "run"))`` in ``lineage`` gives the fields asked of each node's run.
    Cached per position in the query (the response path without list indexes): the 124 parents of one level
    share one selection, and Strawberry rebuilds ``selected_fields`` on every call.
    """
    position: list[object] = list(path)
    node: Any = info.path
    while node is not None:
        if not isinstance(node.key, int):
            position.append(node.key)
        node = node.prev
    key = tuple(position)
    cache = info.context.selections
    if key not in cache:
        level: list[Any] = list(info.selected_fields)
        for name in path:
            level = [field for field in _children(level) if field.name == name]
        cache[key] = frozenset(field.name for field in _children(level))
    return set(cache[key])


def cached(loader: DataLoader[K, T], key: K) -> T:
    """The loader's value for ``key`` when it is already loaded, else a private sentinel (see :func:`is_loaded`)."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        value: T = future.result()
        return value
    missing: T = _MISSING
    return missing


def is_loaded(value: object) -> bool:
    return value is not _MISSING


async def prefetch_runs(
    info: Info, path: Sequence[str], run_ids: Collection[str], components: Iterable[str | None]
) -> None:
    """Load the fan-out fields the query selects on the runs at ``path`` for all ``run_ids`` at once."""
    if not run_ids:
        return
    wanted = selected_names(info, path)
    loaders = info.context.loaders
    ids = list(run_ids)
    waits: list[Awaitable[Any]] = []
    if "stale" in wanted:
        waits.append(loaders.run_stale_reasons.load_many(ids))
    if "drift" in wanted:
        waits.append(loaders.run_drift.load_many(ids))
    if "component" in wanted:
        waits.append(loaders.component_by_name.load_many(sorted({c for c in components if c})))
    if "inputs" in wanted or "outputs" in wanted:
        waits.append(_pointers_of(loaders, ids, inputs="inputs" in wanted, outputs="outputs" in wanted))
    if waits:
        await asyncio.gather(*waits)


async def read_page(info: Info, read: Callable[..., Page], *args: Any) -> Page:
    """A page of runs from the query-layer function ``read``. When the query asks for the runs' inputs or
    outputs, their IO and pointers come back from the same database call (one worker-thread hop, one connection
    checkout, one more statement) and prime the loaders that serve those fields."""
    wanted = selected_names(info, ("nodes",)) | selected_names(info, ("edges", "node"))
    if "inputs" not in wanted and "outputs" not in wanted:
        page: Page = await info.context.db.read(read, *args)
        return page
    page, ios, pointers = await info.context.db.read(_page_with_io, read, args)
    info.context.loaders.run_io.prime_many(ios)
    info.context.loaders.pointer_by_name.prime_many(pointers)
    return page


def _page_with_io(
    conn: Connection, read: Callable[..., Page], args: tuple[Any, ...]
) -> tuple[Page, dict[str, RunIO], dict[str, IOPointer]]:
    page: Page = read(conn, *args)
    ios, pointers = io_with_pointers(conn, [run.id for run in page.items])
    return page, ios, pointers


async def _pointers_of(loaders: Any, ids: list[str], *, inputs: bool, outputs: bool) -> None:
    ios = await loaders.run_io.load_many(ids)  # primes the pointers it names too (loaders/run_io.py)
    names: set[str] = set()
    for io in ios:
        if inputs:
            names.update(io.inputs)
        if outputs:
            names.update(io.outputs)
    await loaders.pointer_by_name.load_many(sorted(names))
