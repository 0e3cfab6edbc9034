"""What the CLI shows, independent of where it came from (the database or a server's GraphQL API).

Both backends build these, so tables, trees and ``--json`` output are the same in either mode. ``to_json`` is the
contract scripts rely on: snake_case keys, ISO 8601 UTC times, durations in milliseconds, run ids as 16 hex chars.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mltrace_otel.status_words import outcome

if TYPE_CHECKING:
    from mltrace_otel.queries.lineage_tree import MergedEdge, TreeRow


@dataclass(frozen=True)
class PointerView:
    name: str
    kind: str
    flagged: bool


@dataclass(frozen=True)
class StaleView:
    dependency_id: str
    reason: str
    newer_run_id: str | None = None
    kind: str = ""  # "rewritten", "newer_run" or "too_old"


@dataclass(frozen=True)
class FailedAttemptView:
    """A failed run that meant to rewrite some of this run's outputs after it (it did not produce them)."""

    run_id: str
    component: str
    pointers: list[str]
    end: datetime
    reason: str


@dataclass(frozen=True)
class DependencyView:
    """One neighbour of a run: the run it depends on (or that depends on it) and through what."""

    run_id: str
    component: str | None
    via: list[str]  # IO pointers; empty for a span link
    kind: str  # "io" or "link"


@dataclass(frozen=True)
class RunView:
    id: str
    trace_id: str
    component: str | None
    name: str
    status: str  # UNSET, OK or ERROR (OTel span status)
    status_message: str | None
    start: datetime
    end: datetime
    duration_ms: float
    inputs: list[PointerView]
    outputs: list[PointerView]
    dependencies: list[DependencyView]
    dependents: list[DependencyView]
    stale: list[StaleView]
    git_hash: str | None
    git_tags: list[str]
    notes: str | None
    service_name: str | None
    code_snapshot: str | None = None
    test_results: list[dict[str, Any]] = field(default_factory=list)
    newer_failed_attempts: list[FailedAttemptView] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "ERROR"

    @property
    def label(self) -> str:
        return self.component or self.name


@dataclass(frozen=True)
class ComponentView:
    name: str
    description: str | None
    owner: str | None
    tags: list[str]


@dataclass(frozen=True)
class RunPage:
    runs: list[RunView]
    has_more: bool


@dataclass(frozen=True)
class InspectView:
    run: RunView
    component: ComponentView | None


@dataclass(frozen=True)
class EdgeView:
    consumer_id: str
    producer_id: str
    via: str
    kind: str


@dataclass(frozen=True)
class GraphView:
    """A lineage graph: ``trace`` renders it as a tree, ``lineage`` as a table; both print it as JSON."""

    output: str | None
    direction: str  # "upstream" or "downstream"
    roots: list[str]
    depths: dict[str, int]
    runs: list[RunView]
    edges: list[EdgeView]
    truncated: bool
    # The shapes trace and lineage draw, as the query layer builds them (queries/lineage_tree.py): not printed
    # as JSON, which lists the edges above.
    merged: list[MergedEdge] = field(default_factory=list, metadata={"json": False})
    tree: list[TreeRow] = field(default_factory=list, metadata={"json": False})


@dataclass(frozen=True)
class RunScoreView:
    run: RunView
    failed: int
    passed: int
    coverage: float
    ochiai: float
    explanation: str


@dataclass(frozen=True)
class ComponentScoreView:
    component: str
    failed: int
    passed: int
    runs: int
    coverage: float
    ochiai: float
    explanation: str


@dataclass(frozen=True)
class ReviewView:
    ranking: str
    flagged: list[PointerView]
    producers: dict[str, str]
    unproduced: list[str]
    total_failed: int
    total_passed: int
    runs: list[RunScoreView]
    components: list[ComponentScoreView]
    passing_capped: bool = False


def _plain(value: Any) -> Any:
    if isinstance(value, RunView):
        # "status" in the words every view uses (mltrace_otel.status_words); the OTel code beside it.
        plain = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        plain["status"], plain["status_code"] = outcome(value.status), value.status
        return plain
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.metadata.get("json", True)
        }
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(_plain(value), indent=2, sort_keys=False, ensure_ascii=False)
