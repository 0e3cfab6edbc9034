"""Errors without presentation: the query layer states the fact with structured fields, and each front end (the
Python API, the CLI against a database or a server, GraphQL) words what to do next itself."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from mltrace_otel.cli.errors import cli_message
from mltrace_otel.errors import InvalidArgument, MltraceError, NotFound
from mltrace_otel.queries.components import get_component
from mltrace_otel.queries.runs import get_run
from tests.cli.conftest import Invoke

GHOST = "00000000000fffff"


def test_the_query_layer_states_the_fact_with_fields(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(NotFound) as found:
        get_run(conn, GHOST)
    error = found.value
    assert (str(error), error.code, error.subject, error.key) == (f"no run '{GHOST}'", "NOT_FOUND", "run", GHOST)
    assert isinstance(error, MltraceError) and isinstance(error, RuntimeError)  # mltrace 0.17 callers catch that
    with engine.connect() as conn, pytest.raises(NotFound, match=r"^no component 'ghost'$"):
        get_component(conn, "ghost")
    assert InvalidArgument("x").code == "BAD_USER_INPUT"


def test_the_cli_words_it_the_same_against_a_database_and_a_server(
    engine: Engine, cli: Invoke, server_cli: Invoke
) -> None:
    expected = f"Error: no run '{GHOST}'; list ids with `mltrace recent`"
    for invoke in (cli, server_cli):
        result = invoke("inspect", GHOST)
        assert (result.exit_code, result.stderr.strip()) == (1, expected)
    assert cli_message(NotFound("component", "x")) == "no component 'x'; list components with `mltrace components`"
