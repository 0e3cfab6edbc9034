"""Keyset pagination edges: exact page boundaries, ties on start time, bad cursors and limits."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.graphql.client import GraphQL
from tests.helpers import run_record

PAGE = """query($first: Int!, $after: String) {
  recentRuns(first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


def _walk(api: GraphQL, first: int) -> tuple[list[str], int]:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = api.data(PAGE, {"first": first, "after": after})["recentRuns"]
        pages += 1
        seen += [e["node"]["id"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is False  # forward paging (first/after): Relay lets it answer false
        if page["edges"]:
            assert info["startCursor"] == page["edges"][0]["cursor"]
            assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            return seen, pages
        after = info["endCursor"]


@pytest.fixture
def seven_runs(engine: Engine) -> list[str]:
    # Three runs share one start time: the cursor must break ties by id, never skip or repeat one.
    runs = [run_record("etl", t, t + 1) for t in (0, 1, 2, 2, 2, 3, 4)]
    ingest_spans(engine, runs)
    return [r.span_id for r in sorted(runs, key=lambda r: (r.start_ns, r.span_id), reverse=True)]


@pytest.mark.parametrize("first", [1, 2, 3, 7, 8])
def test_every_run_exactly_once_in_order(api: GraphQL, seven_runs: list[str], first: int) -> None:
    seen, pages = _walk(api, first)
    assert seen == seven_runs
    # A page size that divides the total exactly must not leave an empty last page behind hasNextPage=true.
    assert pages == -(-7 // first)


def test_first_zero_and_the_end(api: GraphQL, seven_runs: list[str]) -> None:
    empty = api.data(PAGE, {"first": 0})["recentRuns"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is True
    assert empty["pageInfo"]["endCursor"] is None
    last = api.data(PAGE, {"first": 7})["recentRuns"]["pageInfo"]
    beyond = api.data(PAGE, {"first": 5, "after": last["endCursor"]})["recentRuns"]
    assert beyond["edges"] == [] and beyond["pageInfo"]["hasNextPage"] is False


def test_history_and_runs_page_the_same_way(api: GraphQL, seven_runs: list[str]) -> None:
    for field in ('history(component: "etl", first: 3, after: $after)', "runs(first: 3, after: $after)"):
        ids: list[str] = []
        after = None
        while True:
            page = api.data(
                f"query($after: String) {{ {field} {{ nodes {{ id }} pageInfo {{ hasNextPage endCursor }} }} }}",
                {"after": after},
            )
            (conn,) = page.values()
            ids += [n["id"] for n in conn["nodes"]]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        assert ids == seven_runs


@pytest.mark.parametrize(
    ("first", "after", "message"),
    [
        (-1, None, "first must be >= 0"),
        (5000, None, "first must be <= 1000"),
        (5, "not-a-cursor!", "is not one this server issued"),
    ],
)
def test_bad_page_arguments_are_clear_errors(
    api: GraphQL, seven_runs: list[str], first: int, after: str | None, message: str
) -> None:
    body = api.execute(PAGE, {"first": first, "after": after})
    assert body["data"] is None
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
