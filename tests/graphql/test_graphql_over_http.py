"""``Accept: application/graphql-response+json`` as the GraphQL-over-HTTP spec says: that media type back, 400 and
no ``data`` for a request that never executed, 200 for one that did; ``application/json`` clients keep the legacy
answers."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

NEW = "application/graphql-response+json"


def post(http: TestClient, body: dict[str, Any], accept: str | None) -> tuple[int, str, dict[str, Any]]:
    headers = {"accept": accept} if accept is not None else {}
    response = http.post("/graphql", json=body, headers=headers)
    return response.status_code, response.headers["content-type"], response.json()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"query": "{ recentRuns(first: 1) { edges "}, id="parse error"),
        pytest.param({"query": "{ noSuchField }"}, id="validation error"),
        pytest.param(
            {"query": "query ($n: Int!) { recentRuns(first: $n) { edges { node { id } } } }", "variables": {"n": "x"}},
            id="variables that cannot be coerced",
        ),
        pytest.param(
            {"query": "query ($n: Int!) { recentRuns(first: $n) { edges { node { id } } } }", "variables": {}},
            id="a missing required variable",
        ),
    ],
)
def test_a_request_that_never_executed_is_a_400_without_data(http: TestClient, body: dict[str, Any]) -> None:
    status, content_type, answer = post(http, body, f"{NEW}, application/json;q=0.9")
    assert status == 400
    assert content_type.startswith(NEW)
    assert "data" not in answer and answer["errors"][0]["message"]
    # The legacy media type keeps its legacy answer: 200, data null.
    status, content_type, answer = post(http, body, "application/json")
    assert (status, content_type.split(";")[0]) == (200, "application/json")
    assert answer["data"] is None and answer["errors"]


def test_an_executed_request_is_a_200_in_the_media_type_asked_for(http: TestClient) -> None:
    ok = {"query": "{ recentRuns(first: 1) { edges { node { id } } } }"}
    status, content_type, answer = post(http, ok, NEW)
    assert status == 200 and content_type.startswith(NEW) and "edges" in answer["data"]["recentRuns"]
    # A field error happened during execution: 200, with data (null where the field failed) and the error.
    status, content_type, answer = post(http, {"query": '{ run(id: "0000000000000000") { id } }'}, NEW)
    assert status == 200 and content_type.startswith(NEW)
    assert "data" in answer and answer["errors"]
    for accept in (None, "*/*", "application/json", f"{NEW};q=0.5, application/json"):
        status, content_type, _ = post(http, ok, accept)
        assert (status, content_type.split(";")[0]) == (200, "application/json"), accept
