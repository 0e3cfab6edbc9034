"""Validate each distinct query text once per server.

Validation (graphql-core's rules plus our depth, alias and introspection guards) is a large share of a small query's
time (docs/design.md §9) and depends only on the query text and the server's fixed settings, while the UI, the CLI and
dashboards send the same few texts again and again. Strawberry's ``ValidationCache`` cannot serve here: its key
includes the guard rule classes, which ``QueryDepthLimiter`` creates anew for every request.

Only texts that passed are remembered, so an invalid query is judged (and reported) afresh every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

from strawberry.extensions import SchemaExtension


class ValidatedQueries:
    """The query texts that passed validation on this server (least recently used forgotten first)."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # operations usually run on the event loop, synchronous ones on threads

    def __contains__(self, query: str) -> bool:
        with self._lock:
            if query in self._texts:
                self._texts.move_to_end(query)
                return True
            return False

    def add(self, query: str) -> None:
        with self._lock:
            self._texts[query] = None
            self._texts.move_to_end(query)
            while len(self._texts) > self.maxsize:
                self._texts.popitem(last=False)


def validation_cache(validated: ValidatedQueries) -> Callable[[], SchemaExtension]:
    """A factory of the extension, sharing ``validated`` (one per schema, so one per set of settings)."""

    class CachedValidation(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            context = self.execution_context
            query = context.query
            if query is not None and query in validated:
                context.pre_execution_errors = []  # Strawberry skips validation when this is already set
            yield
            if query is not None and context.pre_execution_errors == []:
                validated.add(query)

    return CachedValidation
