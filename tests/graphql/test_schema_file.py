"""The checked-in schema.graphql is what the code serves: the UI and CLI build against the file."""

from __future__ import annotations

from graphql import build_schema

from graphql_server.export_schema import SCHEMA_FILE, main, schema_sdl

# The names issue 3 fixes as the contract.
QUERY_FIELDS = [
    "run", "recentRuns", "history", "trace", "lineage", "component", "components", "tags", "ioPointer",
    "flaggedOutputs", "review", "otelTrace", "runs",
]  # fmt: skip
RUN_FIELDS = [
    "id", "traceId", "parentId", "name", "component", "startTime", "endTime", "durationMs", "status", "inputs",
    "outputs", "dependencies", "dependents", "stale", "gitHash", "gitTags", "codeSnapshot", "notes", "attributes",
    "resource", "links", "events", "testResults",
]  # fmt: skip


def test_schema_graphql_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "graphql_server/schema.graphql is out of date: run `python -m graphql_server.export_schema`"
    )
    assert main(["--check"]) == 0


def test_schema_file_is_valid_sdl_with_the_contract_names() -> None:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    query = schema.query_type
    assert query is not None
    for name in QUERY_FIELDS:
        assert name in query.fields, name
    run = schema.get_type("ComponentRun")
    for name in RUN_FIELDS:
        assert name in run.fields, name  # type: ignore[union-attr]
    mutation = schema.mutation_type
    assert mutation is not None
    for name in ["flagOutput", "unflagOutput", "unflagAll", "tagComponent", "updateComponent", "setRunNotes"]:
        assert name in mutation.fields, name
    assert schema.subscription_type is not None and "runAdded" in schema.subscription_type.fields
