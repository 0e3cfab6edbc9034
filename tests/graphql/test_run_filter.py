"""runs(filter): component, tag, status, time range and exact attribute equality, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from mltrace_otel.store.ingest import ingest_spans
from tests.graphql.client import GraphQL
from tests.helpers import run_record

QUERY = """query($filter: RunFilter, $first: Int! = 50) {
  runs(filter: $filter, first: $first) { nodes { name } pageInfo { hasNextPage } } }"""


@pytest.fixture
def store(engine: Engine) -> None:
    ingest_spans(
        engine,
        [
            run_record("etl", 0, 1, attributes={"mltrace.tags": ["daily"], "rows": 100, "region": "eu", "full": True}),
            run_record("etl", 10, 11, status="ERROR", attributes={"rows": 5, "region": "us", "full": False}),
            run_record("train", 20, 21, attributes={"rows": "100", "lr": 0.5, "region": "eu"}),
            run_record("train", 30, 31, status="OK", attributes={"rows": 100.0, "full": 1}),
            run_record("infer", 40, 41, attributes={"nested": {"a": 1}}),
        ],
    )


def _names(api: GraphQL, filter: dict[str, Any] | None) -> list[str]:
    return [n["name"] for n in api.data(QUERY, {"filter": filter})["runs"]["nodes"]]


def test_no_filter_lists_every_run_newest_first(api: GraphQL, store: None) -> None:
    assert _names(api, None) == ["infer", "train", "train", "etl", "etl"]
    assert _names(api, {}) == ["infer", "train", "train", "etl", "etl"]


def test_component_components_tag_and_status(api: GraphQL, store: None) -> None:
    assert _names(api, {"component": "etl"}) == ["etl", "etl"]
    assert _names(api, {"components": ["etl", "infer"]}) == ["infer", "etl", "etl"]
    assert _names(api, {"tag": "daily"}) == ["etl", "etl"]
    assert _names(api, {"status": "ERROR"}) == ["etl"]
    assert _names(api, {"status": "OK", "component": "train"}) == ["train"]
    assert _names(api, {"tag": "nope"}) == []


def test_time_range_is_inclusive(api: GraphQL, store: None) -> None:
    # Runs start at 1_700_000_000 + {0, 10, 20, 30, 40} s = 2023-11-14T22:13:20Z + ...
    assert _names(api, {"since": "2023-11-14T22:13:30Z", "until": "2023-11-14T22:13:50Z"}) == [
        "train",
        "train",
        "etl",
    ]


def test_attribute_equality_is_exact_json_equality(api: GraphQL, store: None) -> None:
    attr = lambda key, value: {"attributes": [{"key": key, "value": value}]}  # noqa: E731
    assert _names(api, attr("region", "eu")) == ["train", "etl"]
    # Numbers match numbers (100 == 100.0), never strings; strings match strings only.
    assert _names(api, attr("rows", 100)) == ["train", "etl"]
    assert _names(api, attr("rows", "100")) == ["train"]
    # Booleans match booleans only: 1 is not true.
    assert _names(api, attr("full", True)) == ["etl"]
    assert _names(api, attr("full", 1)) == ["train"]
    assert _names(api, attr("full", False)) == ["etl"]
    assert _names(api, attr("lr", 0.5)) == ["train"]
    # Keys with dots (the OTel convention) work; several filters must all hold.
    assert _names(api, attr("mltrace.component", "infer")) == ["infer"]
    both = {"attributes": [{"key": "region", "value": "eu"}, {"key": "rows", "value": 100}]}
    assert _names(api, both) == ["etl"]


@pytest.mark.parametrize(
    ("filter", "message"),
    [
        ({"attributes": [{"key": "nested", "value": {"a": 1}}]}, "filter on a string, number or boolean"),
        ({"attributes": [{"key": "", "value": 1}]}, "non-empty key"),
        ({"attributes": [{"key": 'a"b', "value": 1}]}, "double quote"),
        ({"since": "2023-11-14T23:00:00Z", "until": "2023-11-14T22:00:00Z"}, "since is after until"),
    ],
)
def test_bad_filters_are_clear_errors(api: GraphQL, store: None, filter: dict[str, Any], message: str) -> None:
    errors = api.errors(QUERY, {"filter": filter})
    assert message in errors[0]["message"] and errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_unknown_status_is_a_validation_error(api: GraphQL, store: None) -> None:
    errors = api.errors(QUERY, {"filter": {"status": "BROKEN"}})
    assert "BROKEN" in errors[0]["message"]
