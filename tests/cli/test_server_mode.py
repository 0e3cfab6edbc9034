"""`--server URL`: the same answers through a real server's GraphQL API as from the database itself."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Engine

from mltrace_otel.cli.server_backend import graphql_endpoint
from mltrace_otel.store.ingest import ingest_spans
from tests.cli.conftest import Invoke, Pipeline
from tests.cli.test_flags_components import flag_planted, planted_fault
from tests.helpers import run_record


def _same_json(cli: Invoke, server_cli: Invoke, *args: str) -> object:
    direct = cli(*args, "--json")
    served = server_cli(*args, "--json")
    assert direct.exit_code == 0, direct.output
    assert served.exit_code == 0, served.output
    assert json.loads(served.stdout) == json.loads(direct.stdout), args
    return json.loads(served.stdout)


def test_every_read_command_answers_the_same_through_the_server(
    cli: Invoke, server_cli: Invoke, pipeline: Pipeline
) -> None:
    cli("flag", "pred-2")
    cli("tag", "train", "gpu")
    for args in (
        ("recent",),
        ("recent", "--limit", "2"),
        ("history", "clean"),
        ("history", "featurize", "--since", "2023-11-14T22:13:24", "--until", "2023-11-15"),
        ("inspect", pipeline.ingest.span_id),
        ("inspect", pipeline.clean.span_id),
        ("trace", "pred-1"),
        ("trace", "pred-1", "--depth", "2"),
        ("lineage", "raw.csv", "--downstream"),
        ("lineage", "clean.csv", "--downstream", "--depth", "1"),
        ("components",),
        ("components", "--tag", "gpu"),
        ("tags",),
        ("review",),
        ("review", "--by", "coverage", "--limit", "3"),
    ):
        _same_json(cli, server_cli, *args)


def test_the_server_trace_tree_matches_the_database_one(cli: Invoke, server_cli: Invoke, pipeline: Pipeline) -> None:
    served = server_cli("trace", "pred-1")
    assert served.exit_code == 0, served.output
    assert served.stdout == cli("trace", "pred-1").stdout
    assert "shown above" in served.stdout and "✗ failed" in served.stdout


def test_a_620_run_chain_traces_the_same_through_the_server(cli: Invoke, server_cli: Invoke, engine: Engine) -> None:
    # The server builds the tree (lineage { tree }) and the CLI draws it: no recursion on either side at any depth.
    chain = [run_record(f"s{i % 3}", 2 * i, 2 * i + 1, inputs=[f"d{i}"], outputs=[f"d{i + 1}"]) for i in range(620)]
    ingest_spans(engine, chain)
    served, direct = server_cli("trace", "d620"), cli("trace", "d620")
    assert served.exit_code == 0, served.output
    assert served.stdout == direct.stdout
    assert direct.stdout.count("\n") == 621


def test_review_through_the_server_ranks_the_planted_fault(cli: Invoke, server_cli: Invoke, engine: Engine) -> None:
    bad, ingest = planted_fault(engine)
    flag_planted(server_cli)
    found = _same_json(cli, server_cli, "review")
    assert found["runs"][0]["run"]["id"] == bad  # type: ignore[index]
    by_count = _same_json(cli, server_cli, "review", "--by", "coverage")
    assert by_count["runs"][0]["run"]["id"] == ingest  # type: ignore[index]


def test_writes_through_the_server_reach_the_store(cli: Invoke, server_cli: Invoke, pipeline: Pipeline) -> None:
    assert server_cli("flag", "pred-1").stdout.strip() == "Flagged pred-1."
    assert json.loads(cli("review", "--json").stdout)["flagged"][0]["name"] == "pred-1"
    assert json.loads(server_cli("tag", "train", "gpu", "--json").stdout)["tags"] == ["gpu"]
    assert "gpu" in cli("tags").stdout
    assert json.loads(server_cli("notes", pipeline.train.span_id, "checked", "--json").stdout)["notes"] == "checked"
    assert json.loads(cli("inspect", pipeline.train.span_id, "--json").stdout)["run"]["notes"] == "checked"
    assert server_cli("unflag", "pred-1").exit_code == 0
    server_cli("flag", "pred-2")
    assert json.loads(server_cli("unflag", "--all", "--json").stdout) == {"unflagged": 1}


def test_server_errors_keep_their_message_and_exit_code(server_cli: Invoke, pipeline: Pipeline) -> None:
    unknown = server_cli("inspect", "00000000000fffff")
    assert unknown.exit_code == 1 and "no run '00000000000fffff'" in unknown.stderr
    malformed = server_cli("inspect", "nope")
    assert malformed.exit_code == 2 and "not 16 hexadecimal characters" in malformed.stderr
    missing = server_cli("trace", "nope.csv")
    assert missing.exit_code == 1 and "no output 'nope.csv'" in missing.stderr
    assert server_cli("history", "nope").exit_code == 1
    assert server_cli("tag", "nope", "x").exit_code == 1
    bad_date = server_cli("history", "ingest", "--since", "soon")
    assert bad_date.exit_code == 2 and "--since" in bad_date.stderr


def test_administration_is_refused_through_a_server(server_cli: Invoke) -> None:
    for args in (("clear", "--yes"), ("db", "upgrade"), ("serve",)):
        result = server_cli(*args)
        assert result.exit_code == 2 and "--server" in result.stderr, args


def test_an_unreachable_server_exits_1(bare_cli: Invoke) -> None:
    result = bare_cli("--server", "http://127.0.0.1:1", "recent")
    assert result.exit_code == 1
    assert "cannot reach the mltrace server at http://127.0.0.1:1/graphql" in result.stderr


@pytest.fixture
def not_mltrace() -> Iterator[str]:
    """Some other web server (Python's file server) on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_is_not_mltrace_is_named_as_such(bare_cli: Invoke, not_mltrace: str) -> None:
    result = bare_cli("--server", not_mltrace, "recent")
    assert result.exit_code == 1 and "did not answer like an mltrace server" in result.stderr


def test_the_server_address_may_omit_the_scheme_and_path() -> None:
    assert graphql_endpoint("localhost:8080") == "http://localhost:8080/graphql"
    assert graphql_endpoint("https://ml.example.com/") == "https://ml.example.com/graphql"
    assert graphql_endpoint("http://h:1/mltrace/graphql/") == "http://h:1/mltrace/graphql"


def test_a_server_address_that_is_not_http_is_a_usage_error(bare_cli: Invoke) -> None:
    result = bare_cli("--server", "ftp://h", "recent")
    assert result.exit_code == 2 and "not an http(s) address" in result.stderr


def test_review_is_the_same_through_the_server_when_the_passing_outputs_hit_the_cap(
    cli: Invoke, server_cli: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server computes the whole review (ranking, producers, the cap) and the CLI shows what it received."""
    import mltrace_otel.queries.review as review_module

    planted_fault(engine)
    flag_planted(cli)
    # 90 unflagged predictions: a cap of 50 is hit (the shipped cap, 5,000, would need a store 50 times larger).
    monkeypatch.setattr(review_module, "MAX_PASSING_OUTPUTS", 50)
    for args in (("review",), ("review", "--by", "coverage", "--limit", "3"), ("review", "--limit", "2")):
        found = _same_json(cli, server_cli, *args)
        assert isinstance(found, dict) and found["passing_capped"] is True and found["total_passed"] == 50
        assert len(found["producers"]) == 10
        table = cli(*args)
        assert server_cli(*args).stdout == table.stdout and "more exist" in table.stdout
