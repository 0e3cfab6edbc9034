"""Bad input is a clear client error (NUL characters, a NUL path, a 503 without the driver's text), and a request
may not cost more than MLTRACE_MAX_QUERY_COST."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from tests.graphql.dags import small_pipeline


def errors_of(client: TestClient, query: str, variables: dict[str, object] | None = None) -> list[dict[str, object]]:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    errors: list[dict[str, object]] = response.json().get("errors") or []
    return errors


def test_a_nul_in_a_string_argument_is_a_validation_error(off_client: TestClient, engine: Engine) -> None:
    small_pipeline(engine)
    cases = [
        ('{ component(name: "tr\\u0000ain") { name } }', None),
        ('mutation { flagOutput(name: "model\\u0000.pkl") { flagged } }', None),
        ('mutation { tagComponent(name: "train", tags: ["ok", "b\\u0000d"]) { tags } }', None),
        ("query($n: String!) { ioPointer(name: $n) { name } }", {"n": "a\x00b"}),
        ("query($f: RunFilter) { runs(filter: $f) { edges { node { id } } } }", {"f": {"component": "x\x00"}}),
    ]
    for query, variables in cases:
        errors = errors_of(off_client, query, variables)
        assert len(errors) == 1 and errors[0]["extensions"] == {"code": "BAD_USER_INPUT"}, (query, errors)
        assert "NUL" in str(errors[0]["message"])


def test_a_nul_in_the_path_is_not_found(off_client: TestClient) -> None:
    assert off_client.get("/%00").status_code == 404
    assert off_client.get("/assets/%00.js").status_code == 404


def test_health_503_keeps_the_drivers_text_for_the_log(caplog: pytest.LogCaptureFixture) -> None:
    url = "postgresql+psycopg2://secret_user@127.0.0.1:1/nowhere?connect_timeout=2"
    with TestClient(create_app(ServerSettings(database_url=url), engine=create_engine(url))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "secret_user" not in response.text and "127.0.0.1" not in response.text
    assert "secret_user" in caplog.text or "127.0.0.1" in caplog.text


@pytest.fixture
def small_budget(db_url: str, engine: Engine) -> Iterator[TestClient]:
    settings = ServerSettings(database_url=db_url, max_query_cost=1_000)
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_cost_limit_counts_list_sizes_times_nesting(small_budget: TestClient, engine: Engine) -> None:
    small_pipeline(engine)
    # Four fields of 200 each (the connection, edges, node, id): 800, allowed; with first: 300, 1,200.
    assert errors_of(small_budget, "{ recentRuns(first: 200) { edges { node { id } } } }") == []
    errors = errors_of(small_budget, "{ recentRuns(first: 300) { edges { node { id } } } }")
    assert errors[0]["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "maxQueryCost", "max": 1000, "cost": 1200}
    assert "MLTRACE_MAX_QUERY_COST" in str(errors[0]["message"])
    # Variables, aliases and fragments count too; the schema's default first (20) counts when none is given.
    assert errors_of(small_budget, "query($n: Int!) { recentRuns(first: $n) { edges { node { id } } } }", {"n": 300})
    aliased = " ".join(f"a{i}: recentRuns(first: 100) {{ ...R }}" for i in range(4))
    assert errors_of(
        small_budget, f"{{ {aliased} }} fragment R on ComponentRunConnection {{ edges {{ node {{ id }} }} }}"
    )
    nested = "{ recentRuns { edges { node { outputs { producers(first: 50) { id } } } } } }"
    assert errors_of(small_budget, nested)[0]["extensions"]["cost"] == 20 * 4 + 20 * 50 * 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_default_budget_refuses_49_aliases_of_a_thousand_runs(off_client: TestClient) -> None:
    one = "{ recentRuns(first: 1000) { edges { node { id name inputs { name } outputs { name } } } } }"
    assert errors_of(off_client, one) == []
    many = " ".join(f"a{i}: recentRuns(first: 1000) {{ edges {{ node {{ id }} }} }}" for i in range(49))
    errors = errors_of(off_client, f"{{ {many} }}")
    assert errors[0]["extensions"]["limit"] == "maxQueryCost"
