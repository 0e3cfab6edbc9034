"""The four scopes a key can hold, and what each implies."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from mltrace_otel.queries.errors import InvalidArgument


class Scope(enum.StrEnum):
    READ = "read"  # queries and subscriptions
    ANNOTATE = "annotate"  # flags, notes, tags, component metadata
    INGEST = "ingest"  # /v1/traces and /api/v1/lineage
    ADMIN = "admin"  # keys, clear, the audit log's key changes


# You cannot annotate what you cannot see, and an administrator may do everything. Ingest stays apart: a CI key that
# sends spans should not read the store.
IMPLIES: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ}),
    Scope.ANNOTATE: frozenset({Scope.ANNOTATE, Scope.READ}),
    Scope.INGEST: frozenset({Scope.INGEST}),
    Scope.ADMIN: frozenset(Scope),
}
ALL = frozenset(Scope)


def parse_scopes(names: Iterable[str]) -> frozenset[Scope]:
    """Scope names (comma or space separated, any case) to the set they grant, implied scopes included."""
    granted: set[Scope] = set()
    for item in names:
        for name in item.replace(",", " ").split():
            try:
                scope = Scope(name.strip().lower())
            except ValueError:
                choices = ", ".join(s.value for s in Scope)
                raise InvalidArgument(f"unknown scope {name!r}: choose from {choices}") from None
            granted |= IMPLIES[scope]
    if not granted:
        raise InvalidArgument(f"a key needs at least one scope ({', '.join(s.value for s in Scope)})")
    return frozenset(granted)


def scope_text(scopes: Iterable[Scope]) -> str:
    """Stored and shown form: the scope names in the enum's order, space-separated."""
    chosen = set(scopes)
    return " ".join(s.value for s in Scope if s in chosen)


def stored_scopes(text: str) -> frozenset[Scope]:
    return frozenset(Scope(n) for n in text.split() if n in Scope._value2member_map_)
