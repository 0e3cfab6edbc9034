"""End to end with a third-party client: gql over real HTTP to uvicorn fetches the schema by introspection,
validates a nested trace against it locally, and runs it."""

from __future__ import annotations

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport
from graphql import GraphQLError
from sqlalchemy import Engine

from tests.graphql.conftest import LiveServer
from tests.graphql.dags import small_pipeline

NESTED_TRACE = gql(
    """
    query Trace($output: String!) {
      trace(output: $output) {
        id name status { code }
        outputs { name flagged }
        dependencies { name dependencies { name dependencies { name dependencies { name } } } }
      }
    }
    """
)


def test_gql_fetches_the_schema_and_runs_a_nested_trace(live_server: LiveServer, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    transport = RequestsHTTPTransport(url=live_server.graphql_url, timeout=30)
    with Client(transport=transport, fetch_schema_from_transport=True) as session:
        result = session.execute(GraphQLRequest(NESTED_TRACE, variable_values={"output": "predictions.csv"}))
        assert session.client.schema is not None and session.client.schema.query_type is not None
        assert "trace" in session.client.schema.query_type.fields
        # The client validates against the fetched schema before sending anything.
        with pytest.raises(GraphQLError, match="Cannot query field 'nope'"):
            session.execute(gql('{ trace(output: "x") { nope } }'))
        # Server-side errors come back as the client's error type with our message.
        with pytest.raises(TransportQueryError, match=r"no output 'missing\.csv'"):
            session.execute(GraphQLRequest(NESTED_TRACE, variable_values={"output": "missing.csv"}))
    trace = result["trace"]
    assert trace["id"] == pipeline.id("infer")
    assert trace["outputs"] == [{"name": "predictions.csv", "flagged": False}]
    train = next(d for d in trace["dependencies"] if d["name"] == "train")
    assert train["dependencies"][0]["dependencies"] == [{"name": "ingest", "dependencies": []}]
