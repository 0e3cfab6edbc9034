"""The store as the API sees it: query-layer functions run on a worker thread, never on the event loop.

psycopg2 and sqlite3 block, so every call goes through ``run_in_threadpool``. Each call checks a connection out of
the pool for just that call; a read is one short transaction, a write commits before returning.
The server must never trace itself into its own store: every database call runs with OTel instrumentation
suppressed, so an instrumented driver (SQLAlchemy, psycopg2 instrumentations under ``opentelemetry-instrument``)
records nothing for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from opentelemetry import context as otel_context
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")


def suppressed() -> object:
    """Attach an OTel context with instrumentation suppressed; pass the token to ``otel_context.detach``."""
    return otel_context.attach(otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True))


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        token = suppressed()
        try:
            with self.engine.connect() as conn:
                return fn(conn, *args, **kwargs)
        finally:
            otel_context.detach(token)  # type: ignore[arg-type]

    def _write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        token = suppressed()
        try:
            with self.engine.begin() as conn:
                return fn(conn, *args, **kwargs)
        finally:
            otel_context.detach(token)  # type: ignore[arg-type]

    async def read(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(conn, *args, **kwargs)`` on a worker thread in a read-only use of one connection."""
        return await run_in_threadpool(self._read, fn, args, kwargs)

    async def write(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on a worker thread inside one transaction, committed when it returns."""
        return await run_in_threadpool(self._write, fn, args, kwargs)
