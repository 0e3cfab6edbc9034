"""User errors: one line on stderr that says what was wrong, a non-zero exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli.conftest import Invoke, Pipeline
from tests.conftest import pg_url
from tests.helpers import run_record

COMMANDS = [
    "recent",
    "history",
    "inspect",
    "trace",
    "lineage",
    "components",
    "tags",
    "tag",
    "flag",
    "unflag",
    "review",
    "notes",
    "serve",
    "db",
    "db upgrade",
    "clear",
    "version",
]


def assert_user_error(result: object, exit_code: int, *fragments: str) -> None:
    assert result.exit_code == exit_code, result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert result.exception is None or isinstance(result.exception, SystemExit)  # type: ignore[attr-defined]
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_everywhere(bare_cli: Invoke, command: str) -> None:
    result = bare_cli(*command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: mltrace" in result.stdout


def test_no_command_shows_the_commands(bare_cli: Invoke) -> None:
    result = bare_cli()
    assert all(name in result.output for name in ("recent", "trace", "review", "clear"))


def test_unknown_ids_exit_1_and_name_the_id(cli: Invoke, pipeline: Pipeline) -> None:
    assert_user_error(cli("inspect", "00000000000fffff"), 1, "no run '00000000000fffff'", "mltrace recent")
    assert_user_error(cli("notes", "00000000000fffff", "x"), 1, "no run '00000000000fffff'")
    assert_user_error(cli("trace", "nope.csv"), 1, "no output 'nope.csv'")
    assert_user_error(cli("lineage", "nope.csv", "--downstream"), 1, "no output 'nope.csv'")
    assert_user_error(cli("history", "nope"), 1, "no component 'nope'", "mltrace components")
    assert_user_error(cli("flag", "nope.csv"), 1, "no IO pointer 'nope.csv'")
    assert_user_error(cli("unflag", "nope.csv"), 1, "no IO pointer 'nope.csv'")


def test_malformed_ids_and_values_exit_2(cli: Invoke, pipeline: Pipeline) -> None:
    assert_user_error(cli("inspect", "not-a-run-id"), 2, "is not 16 hexadecimal characters")
    assert_user_error(cli("history", "ingest", "--limit", "0"), 2)
    assert_user_error(cli("trace", "pred-1", "--depth", "-1"), 2)
    assert_user_error(cli("review", "--by", "vibes"), 2)
    assert_user_error(cli("tag", "ingest", " "), 2, "non-empty tag")


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_bad_dates_exit_2_and_say_what_is_accepted(cli: Invoke, pipeline: Pipeline, option: str) -> None:
    assert_user_error(cli("history", "ingest", option, "last tuesday"), 2, option, "'last tuesday' is not a time", "7d")


def test_since_after_until_is_refused(cli: Invoke, pipeline: Pipeline) -> None:
    assert_user_error(cli("history", "ingest", "--since", "2024-02-01", "--until", "2024-01-01"), 2, "swap them")


def test_an_unreachable_postgres_exits_1_without_showing_the_password(bare_cli: Invoke) -> None:
    url = "postgresql://someone:hunter2@127.0.0.1:1/mltrace"
    result = bare_cli("--database-url", url, "recent")
    assert_user_error(result, 1, "cannot use the database at postgresql+psycopg2://someone:***@127.0.0.1:1/mltrace")
    assert "hunter2" not in result.output


def test_a_missing_postgres_database_exits_1(bare_cli: Invoke) -> None:
    result = bare_cli("--database-url", pg_url("mltrace_no_such_db_h3"), "recent")
    assert_user_error(result, 1, "cannot use the database", "mltrace_no_such_db_h3")


def test_a_missing_sqlite_store_is_reported_not_created(bare_cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "typo" / "mltrace.db"
    assert_user_error(bare_cli("--database-url", f"sqlite:///{path}", "recent"), 1, f"no mltrace store at {path}")
    assert not path.exists()


def test_an_unsupported_database_url_exits_2(bare_cli: Invoke) -> None:
    assert_user_error(bare_cli("--database-url", "mysql://x@y/z", "recent"), 2, "uses backend 'mysql'")
    assert_user_error(bare_cli("--database-url", "not a url", "recent"), 2, "is not a database URL")


def test_database_url_and_server_together_are_refused(bare_cli: Invoke) -> None:
    result = bare_cli("--database-url", "sqlite:///x.db", "--server", "http://127.0.0.1:1", "recent")
    assert result.exit_code == 2 and "not both" in result.output


def test_the_database_option_is_honoured(bare_cli: Invoke, engine: Engine, db_url: str) -> None:
    from mltrace_otel.store.ingest import ingest_spans

    run = run_record("only-here", 0, 1)
    ingest_spans(engine, [run])
    assert run.span_id in bare_cli("--database-url", db_url, "recent").stdout


def test_the_library_configuration_is_the_default(
    bare_cli: Invoke, engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mltrace_otel.store.ingest import ingest_spans

    run = run_record("configured", 0, 1)
    ingest_spans(engine, [run])
    monkeypatch.setenv("MLTRACE_DATABASE_URL", db_url)
    assert run.span_id in bare_cli("recent").stdout
    monkeypatch.delenv("MLTRACE_DATABASE_URL")
    monkeypatch.setenv("DB_URI", db_url)  # mltrace's variable
    assert run.span_id in bare_cli("recent").stdout


def test_a_bad_staleness_window_is_a_usage_error(
    cli: Invoke, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLTRACE_STALENESS_DAYS", "a while")
    assert_user_error(cli("inspect", pipeline.train.span_id), 2, "MLTRACE_STALENESS_DAYS")
