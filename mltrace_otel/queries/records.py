"""Plain, immutable results of the query layer (no ORM objects escape it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mltrace_otel import semconv


def ns_to_datetime(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def datetime_to_ns(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000) * 1_000


@dataclass(frozen=True, slots=True)
class Run:
    """One stored span; a component run when ``component`` is set."""

    id: str
    trace_id: str
    parent_id: str | None
    name: str
    kind: str
    component: str | None
    start_ns: int
    end_ns: int
    status_code: str
    status_message: str | None
    git_hash: str | None
    code_hash: str | None
    notes: str | None
    service_name: str | None
    # The JSON columns as stored text, decoded on access: a lineage or history answer reads hundreds of runs
    # and most queries never ask for these (decoding them all cost ~1 ms per 100 runs).
    attributes_json: str = field(repr=False)
    events_json: str = field(repr=False)
    links_json: str = field(repr=False)
    resource_json: str = field(repr=False)
    scope_json: str = field(repr=False)
    seq: int

    @property
    def attributes(self) -> dict[str, Any]:
        return _decoded(self.attributes_json, dict)

    @property
    def events(self) -> list[dict[str, Any]]:
        return _decoded(self.events_json, list)

    @property
    def links(self) -> list[dict[str, Any]]:
        return _decoded(self.links_json, list)

    @property
    def resource(self) -> dict[str, Any]:
        return _decoded(self.resource_json, dict)

    @property
    def scope(self) -> dict[str, Any]:
        return _decoded(self.scope_json, dict)

    @property
    def start(self) -> datetime:
        return ns_to_datetime(self.start_ns)

    @property
    def end(self) -> datetime:
        return ns_to_datetime(self.end_ns)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def failed(self) -> bool:
        return self.status_code == "ERROR"

    @property
    def git_tags(self) -> list[str]:
        tags = self.attributes.get(semconv.GIT_TAGS) or []
        return [str(t) for t in (tags if isinstance(tags, list) else [tags])]

    @property
    def test_results(self) -> list[dict[str, Any]]:
        return [e.get("attributes", {}) for e in self.events if e.get("name") == semconv.TEST_EVENT]


def _decoded(text: str | None, empty: Callable[[], Any]) -> Any:
    """A stored JSON column's value; a fresh empty container when it is empty (callers may mutate it)."""
    value = json.loads(text) if text else None
    return value if value else empty()


@dataclass(frozen=True, slots=True)
class RunIO:
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IOPointer:
    name: str
    kind: str
    flagged: bool
    flagged_ns: int | None
    created_ns: int


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    description: str | None
    owner: str | None
    tags: list[str]


@dataclass(frozen=True, slots=True)
class Edge:
    """``consumer`` depends on ``producer``, via an IO pointer or a span link (``kind == "link"``, ``via == ""``)."""

    consumer_id: str
    producer_id: str
    via: str
    kind: str


@dataclass(frozen=True, slots=True)
class LineageGraph:
    roots: list[str]
    depths: dict[str, int]  # run id -> shortest distance from a root
    runs: dict[str, Run]
    edges: list[Edge]
    truncated: bool = False  # more nodes existed than max_nodes allowed


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    has_next: bool
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class StaleReason:
    dependency_id: str
    reason: str
    kind: str  # "rewritten", "newer_run" or "too_old" (queries/staleness.py)
    newer_run_id: str | None = None
