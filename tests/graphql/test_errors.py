"""Errors: unknown things give null plus a message naming them, bad arguments a clear error, internal errors
are masked in the response and logged with detail."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, text

from tests.graphql.client import GraphQL
from tests.graphql.dags import small_pipeline


@pytest.mark.parametrize(
    ("query", "field", "named"),
    [
        ('{ run(id: "00000000000000aa") { id } }', "run", "00000000000000aa"),
        ('{ trace(output: "missing.csv") { id } }', "trace", "missing.csv"),
        ('{ lineage(output: "missing.csv") { roots } }', "lineage", "missing.csv"),
        ('{ lineage(runId: "00000000000000aa") { roots } }', "lineage", "00000000000000aa"),
        ('{ component(name: "ghost") { name } }', "component", "ghost"),
        ('{ ioPointer(name: "ghost.csv") { name } }', "ioPointer", "ghost.csv"),
        ('{ otelTrace(traceId: "' + "ee" * 16 + '") { traceId } }', "otelTrace", "ee" * 16),
    ],
)
def test_unknown_things_are_null_with_a_message_naming_them(
    api: GraphQL, engine: Engine, query: str, field: str, named: str
) -> None:
    small_pipeline(engine)
    body = api.execute(query)
    assert body["data"] == {field: None}
    (error,) = body["errors"]
    assert named in error["message"] and error["path"] == [field]
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_other_fields_still_answer_when_one_is_unknown(api: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)
    body = api.execute('{ run(id: "00000000000000aa") { id } tags }')
    assert body["data"] == {"run": None, "tags": ["ml"]}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{ run(id: "xyz") { id } }', "is not 16 hexadecimal characters"),
        ('{ otelTrace(traceId: "abc") { traceId } }', "is not 32 hexadecimal characters"),
        ("{ lineage { roots } }", "lineage needs `output` or `runId`"),
        ('{ lineage(output: "predictions.csv", maxDepth: -1) { roots } }', "maxDepth must be >= 0"),
        ("{ review(limit: -2) { totalFailed } }", "limit must be >= 0"),
    ],
)
def test_bad_arguments_say_what_is_wrong(api: GraphQL, engine: Engine, query: str, message: str) -> None:
    small_pipeline(engine)
    (error,) = api.errors(query)
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{ recentRuns(first: "ten") { nodes { id } } }', "Int cannot represent non-integer value"),
        ("{ recentRuns { nodes { idd } } }", "Cannot query field 'idd'"),
        ('{ lineage(output: "x", direction: SIDEWAYS) { roots } }', "SIDEWAYS"),
        ("{ run { id } }", "Argument 'Query.run(id:)' of type 'ID!' is required"),
        ("{ recentRuns(first: 1) { nodes { id } }", "Syntax Error"),
    ],
)
def test_invalid_documents_are_validation_errors(api: GraphQL, query: str, message: str) -> None:
    response = api.http.post("/graphql", json={"query": query})
    body = response.json()
    assert body["data"] is None
    assert message in body["errors"][0]["message"]


def test_internal_errors_are_masked_and_logged_with_detail(
    api: GraphQL, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    small_pipeline(engine)
    # A real failure inside the store (a table gone), not a simulated one.
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE component_tags"))
    caplog.set_level(logging.ERROR, logger="graphql_server.errors")
    body = api.execute('{ tags run(id: "0000000000000001") { id } }')
    errors = [e for e in body["errors"] if e["path"] == ["tags"]]
    (error,) = errors
    assert "component_tags" not in error["message"] and "SELECT" not in error["message"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    reference = error["extensions"]["reference"]
    assert reference in error["message"]
    # The log has the reference and the database's own complaint, with the traceback.
    (record,) = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info is not None and "component_tags" in str(record.exc_info[1])


GHOST = "00000000000fffff"


def test_graphql_words_it_for_graphql_users_and_passes_the_fields(api: GraphQL, engine: Engine) -> None:
    (error,) = api.execute(f'{{ run(id: "{GHOST}") {{ id }} }}')["errors"]
    assert error["message"] == f"no run '{GHOST}'; list ids with recentRuns"
    assert error["extensions"] == {"code": "NOT_FOUND", "what": "run", "key": GHOST, "fact": f"no run '{GHOST}'"}
    (error,) = api.execute('{ component(name: "ghost") { name } }')["errors"]
    assert "mltrace" not in error["message"] and error["extensions"]["code"] == "NOT_FOUND"
