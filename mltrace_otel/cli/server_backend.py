"""``--server URL``: the CLI's answers from a running mltrace server, through its GraphQL API.

Plain ``urllib`` (no extra dependency for a pipeline-only install). Answers become the same views as the
database backend builds, so output and ``--json`` are identical in both modes.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

from mltrace_otel import __version__
from mltrace_otel.cli import graphql_queries as q
from mltrace_otel.cli.backend import CliError
from mltrace_otel.cli.errors import worded
from mltrace_otel.cli.views import (
    ComponentScoreView,
    ComponentView,
    DependencyView,
    EdgeView,
    FailedAttemptView,
    GraphView,
    InspectView,
    PointerView,
    ReviewView,
    RunPage,
    RunScoreView,
    RunView,
    StaleView,
)
from mltrace_otel.queries.lineage_tree import MergedEdge, TreeRow

PAGE = 1_000
# extensions.code values the server sends for errors the user can fix by changing the command.
_USAGE_CODES = {"BAD_USER_INPUT"}


def graphql_endpoint(url: str) -> str:
    """``host:8080``, ``http://host:8080`` and ``http://host:8080/graphql`` all name the same endpoint."""
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--server {url!r} is not an http(s) address like http://host:8080", 2)
    path = parts.path.rstrip("/")
    if not path.endswith("/graphql"):
        path += "/graphql"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(ns: int | None) -> str | None:
    return None if ns is None else datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat()


def _pointer(d: dict[str, Any]) -> PointerView:
    return PointerView(name=d["name"], kind=d["kind"], flagged=d["flagged"])


def _neighbours(found: list[dict[str, Any]]) -> list[DependencyView]:
    return [
        DependencyView(
            run_id=n["run"]["id"], component=n["run"]["componentName"] or n["run"]["name"], via=n["via"], kind=n["kind"]
        )
        for n in found
    ]


def run_view(d: dict[str, Any]) -> RunView:
    return RunView(
        id=d["id"],
        trace_id=d["traceId"],
        component=d["componentName"],
        name=d["name"],
        status=d["status"]["code"],
        status_message=d["status"]["message"],
        start=_time(d["startTime"]),
        end=_time(d["endTime"]),
        duration_ms=d["durationMs"],
        inputs=[_pointer(p) for p in d["inputs"]],
        outputs=[_pointer(p) for p in d["outputs"]],
        dependencies=_neighbours(d["dependenciesVia"]),
        dependents=_neighbours(d["dependentsVia"]),
        stale=[StaleView(s["dependencyId"], s["reason"], s["newerRunId"], s["kind"].lower()) for s in d["stale"]],
        git_hash=d["gitHash"],
        git_tags=list(d["gitTags"]),
        notes=d["notes"],
        service_name=d["serviceName"],
        code_snapshot=d.get("codeSnapshot"),
        test_results=list(d["testResults"] or []),
        newer_failed_attempts=[
            FailedAttemptView(a["runId"], a["component"], list(a["pointers"]), _time(a["endTime"]), a["reason"])
            for a in d["newerFailedAttempts"]
        ],
    )


def _component(d: dict[str, Any]) -> ComponentView:
    return ComponentView(name=d["name"], description=d["description"], owner=d["owner"], tags=list(d["tags"]))


class ServerBackend:
    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.endpoint = graphql_endpoint(url)
        self.timeout = timeout

    def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL request; errors become :class:`CliError` with the server's message."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"mltrace-cli/{__version__}",
                # A server in MLTRACE_AUTH=keys mode wants a key (issue 13); without one it answers 401 and says so.
                **({"Authorization": f"Bearer {key}"} if (key := os.environ.get("MLTRACE_API_KEY")) else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CliError(f"cannot reach the mltrace server at {self.endpoint}: {reason}") from exc
        try:
            answer = json.loads(payload)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or ("data" not in answer and "errors" not in answer):
            raise CliError(
                f"{self.endpoint} did not answer like an mltrace server (HTTP {status}); check the --server address"
            )
        errors = answer.get("errors") or []
        if errors:
            first: dict[str, Any] = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
            extensions = first.get("extensions") or {}
            code = extensions.get("code")
            message = str(first.get("message", "the server refused the request"))
            if isinstance(extensions.get("fact"), str):  # the server's plain statement, worded here for the CLI
                message = worded(code, extensions.get("what"), extensions["fact"])
            raise CliError(message, 2 if code in _USAGE_CODES else 1)
        if status >= 400 or not isinstance(answer.get("data"), dict):
            raise CliError(f"the mltrace server at {self.endpoint} answered HTTP {status}")
        data: dict[str, Any] = answer["data"]
        return data

    # Reads

    def _pages(self, query: str, field: str, variables: dict[str, Any], limit: int) -> RunPage:
        runs: list[RunView] = []
        after: str | None = None
        while True:
            page = self.call(query, {**variables, "first": min(PAGE, limit - len(runs)), "after": after})[field]
            runs.extend(run_view(edge["node"]) for edge in page["edges"])
            has_next = bool(page["pageInfo"]["hasNextPage"])
            if len(runs) >= limit or not has_next:
                return RunPage(runs=runs, has_more=has_next)
            after = page["pageInfo"]["endCursor"]

    def recent(self, limit: int) -> RunPage:
        return self._pages(q.RECENT, "recentRuns", {}, limit)

    def history(self, component: str, limit: int, since_ns: int | None, until_ns: int | None) -> RunPage:
        variables = {"component": component, "since": _iso(since_ns), "until": _iso(until_ns)}
        return self._pages(q.HISTORY, "history", variables, limit)

    def inspect(self, run_id: str) -> InspectView:
        found = self.call(q.INSPECT, {"id": run_id})["run"]
        component = found.get("component")
        return InspectView(run=run_view(found), component=_component(component) if component else None)

    def graph(self, output: str, *, downstream: bool, max_depth: int) -> GraphView:
        direction = "DOWNSTREAM" if downstream else "UPSTREAM"
        variables = {"output": output, "direction": direction, "maxDepth": max_depth}
        found = self.call(q.LINEAGE, variables)["lineage"]
        return GraphView(
            output=output,
            direction=direction.lower(),
            roots=list(found["roots"]),
            depths={n["run"]["id"]: n["depth"] for n in found["nodes"]},
            runs=[run_view(n["run"]) for n in found["nodes"]],
            edges=[EdgeView(e["to"], e["from"], e["via"], e["kind"]) for e in found["edges"]],
            truncated=False,  # the server refuses an over-large graph with an error instead
            merged=[MergedEdge(e["from"], e["to"], tuple(e["via"])) for e in found["mergedEdges"]],
            tree=[TreeRow(r["runId"], r["depth"], r["parent"], tuple(r["via"]), r["shared"]) for r in found["tree"]],
        )

    def components(self, tag: str | None, owner: str | None) -> list[ComponentView]:
        return [_component(c) for c in self.call(q.COMPONENTS, {"tag": tag, "owner": owner})["components"]]

    def tags(self) -> list[str]:
        return list(self.call(q.TAGS)["tags"])

    def review(self, limit: int, rank_by: str) -> ReviewView:
        found = self.call(q.REVIEW, {"limit": limit, "rankBy": rank_by.upper()})["review"]
        return ReviewView(
            ranking=found["ranking"].lower(),
            flagged=[_pointer(p) for p in found["flagged"]],
            producers={p["output"]: p["runId"] for p in found["producers"]},
            unproduced=list(found["unproduced"]),
            total_failed=found["totalFailed"],
            total_passed=found["totalPassed"],
            runs=[
                RunScoreView(run_view(s["run"]), s["failed"], s["passed"], s["coverage"], s["ochiai"], s["explanation"])
                for s in found["runs"]
            ],
            components=[
                ComponentScoreView(
                    c["name"], c["failed"], c["passed"], c["runs"], c["coverage"], c["ochiai"], c["explanation"]
                )
                for c in found["components"]
            ],
            passing_capped=found["passingCapped"],
        )

    # Writes

    def tag(self, component: str, tags: list[str]) -> ComponentView:
        return _component(self.call(q.TAG, {"name": component, "tags": tags})["tagComponent"])

    def set_flag(self, output: str, flagged: bool) -> PointerView:
        if flagged:
            return _pointer(self.call(q.FLAG, {"name": output})["flagOutput"])
        return _pointer(self.call(q.UNFLAG, {"name": output})["unflagOutput"])

    def unflag_all(self) -> int:
        return int(self.call(q.UNFLAG_ALL)["unflagAll"])

    def set_notes(self, run_id: str, notes: str) -> RunView:
        return run_view(self.call(q.NOTES, {"id": run_id, "notes": notes})["setRunNotes"])
