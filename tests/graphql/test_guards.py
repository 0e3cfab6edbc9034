"""Guards: depth, aliases, tokens, lineage node cap and introspection, configurable through ServerSettings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from tests.graphql.client import GraphQL
from tests.graphql.dags import layered_dag, small_pipeline


@pytest.fixture
def guarded(settings: ServerSettings, engine: Engine) -> Iterator[GraphQL]:
    tight = replace(settings, max_query_depth=8, max_aliases=3, max_tokens=200, lineage_max_nodes=3)
    with TestClient(create_app(tight, engine=engine)) as client:
        yield GraphQL(client)


def _nested(levels: int) -> str:
    return '{ trace(output: "sink/final") { ' + "dependencies { " * levels + "id" + " }" * levels + " } }"


def test_default_limits_let_an_ordinary_deep_trace_through(api: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=2, depth=12)
    data = api.data(_nested(12))
    level = data["trace"]
    for _ in range(12):
        level = level["dependencies"][0]
    assert level["id"]


def test_too_deep_a_query_names_the_depth_limit(guarded: GraphQL, engine: Engine) -> None:
    layered_dag(engine, width=1, depth=8)
    assert guarded.data(_nested(6))["trace"]
    (error,) = guarded.errors(_nested(9))
    assert "maximum operation depth of 8" in error["message"] and "MLTRACE_MAX_QUERY_DEPTH" in error["message"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "maxQueryDepth", "max": 8}


def test_too_many_aliases_names_the_alias_limit(guarded: GraphQL, engine: Engine) -> None:
    assert guarded.data("{ a: tags b: tags c: tags }")
    (error,) = guarded.errors("{ a: tags b: tags c: tags d: tags }")
    assert "4 aliases found. Allowed: 3" in error["message"] and "MLTRACE_MAX_ALIASES" in error["message"]
    assert error["extensions"]["limit"] == "maxAliases"


def test_too_many_tokens_names_the_token_limit(guarded: GraphQL, engine: Engine) -> None:
    (error,) = guarded.errors("{ " + "tags " * 300 + "}")
    assert "more than 200 tokens" in error["message"] and "MLTRACE_MAX_TOKENS" in error["message"]
    assert error["extensions"]["limit"] == "maxTokens"


def test_lineage_over_the_node_cap_names_the_limit(guarded: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)  # four runs upstream of predictions.csv
    assert len(guarded.data('{ lineage(output: "model.pkl") { nodes { depth } } }')["lineage"]["nodes"]) == 3
    body = guarded.execute('{ lineage(output: "predictions.csv") { nodes { depth } } }')
    assert body["data"] == {"lineage": None}
    (error,) = body["errors"]
    assert "more than 3 runs" in error["message"] and "MLTRACE_LINEAGE_MAX_NODES" in error["message"]
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "lineageMaxNodes", "max": 3}
    # maxDepth is the way to ask for less.
    assert guarded.data('{ lineage(output: "predictions.csv", maxDepth: 0) { nodes { depth } } }')


INTROSPECTION = "{ __schema { queryType { name } } }"


def test_introspection_on_by_default_and_switchable_off(api: GraphQL, settings: ServerSettings, engine: Engine) -> None:
    assert api.data(INTROSPECTION)["__schema"]["queryType"]["name"] == "Query"
    with TestClient(create_app(replace(settings, introspection=False), engine=engine)) as client:
        closed = GraphQL(client)
        errors = closed.errors(INTROSPECTION)
        assert "introspection" in errors[0]["message"].lower()
        assert closed.data("{ tags }") == {"tags": []}


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("MLTRACE_MAX_QUERY_DEPTH", "4")
    monkeypatch.setenv("MLTRACE_INTROSPECTION", "false")
    settings = ServerSettings.from_env(database_url=db_url)
    assert (settings.max_query_depth, settings.introspection) == (4, False)


def test_each_query_text_is_judged_alike_every_time_it_comes(guarded: GraphQL, engine: Engine) -> None:
    """Texts that passed are not validated again (graphql_server/validation_cache.py); one that failed is
    refused again each time it comes."""
    layered_dag(engine, width=1, depth=8)
    for _ in range(3):
        assert guarded.data(_nested(6))["trace"]
        (error,) = guarded.errors(_nested(9))
        assert error["extensions"]["limit"] == "maxQueryDepth"
        (error,) = guarded.errors("{ tags nope }")
        assert "Cannot query field 'nope'" in error["message"]


def test_the_validated_texts_are_bounded() -> None:
    from graphql_server.validation_cache import ValidatedQueries

    validated = ValidatedQueries(maxsize=2)
    for text in ("{ a }", "{ b }"):
        validated.add(text)
    assert "{ a }" in validated  # now the most recently used
    validated.add("{ c }")
    assert "{ a }" in validated and "{ c }" in validated and "{ b }" not in validated
