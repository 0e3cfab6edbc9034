"""`clear` (mltrace's tables only, confirmed) and `db upgrade`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from mltrace_otel.store.clear import KEPT
from mltrace_otel.store.migrate import current_revision, head_revision
from mltrace_otel.store.models import metadata
from tests.cli.conftest import Invoke, Pipeline, record_pipeline


def _count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def test_clear_asks_first_and_keeps_everything_when_refused(cli: Invoke, pipeline: Pipeline, engine: Engine) -> None:
    result = cli("clear", input="n\n")
    assert result.exit_code == 1
    assert "Delete all mltrace data in" in result.stdout and "nothing was deleted" in result.stderr
    assert _count_rows(engine, "spans") == 7
    assert cli("clear", input="").exit_code == 1  # no answer (not a terminal): nothing deleted
    assert _count_rows(engine, "spans") == 7


def test_clear_deletes_only_mltrace_tables(cli: Invoke, pipeline: Pipeline, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customer_orders (id INTEGER PRIMARY KEY, spans TEXT)"))
        conn.execute(text("INSERT INTO customer_orders (id, spans) VALUES (1, 'keep me'), (2, 'me too')"))
    cli("flag", "pred-1")
    cli("tag", "train", "gpu")

    result = cli("clear", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Deleted 7 spans" in result.stdout
    for table in metadata.sorted_tables:
        if table.name not in KEPT:
            assert _count_rows(engine, table.name) == 0, table.name
    # Keys and the audit trail stay: the flag, the tag and the clear itself remain on record.
    assert _count_rows(engine, "audit_log") == 3
    assert _count_rows(engine, "customer_orders") == 2
    assert current_revision(engine) == head_revision()  # the schema stays, ready for new runs
    assert json.loads(cli("recent", "--json").stdout)["runs"] == []

    record_pipeline(engine)  # usable again at once
    assert cli("clear", "--yes").exit_code == 0
    assert _count_rows(engine, "spans") == 0


def test_db_upgrade_creates_a_store_and_is_safe_to_repeat(bare_cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "new" / "mltrace.db"
    url = f"sqlite:///{path}"
    first = bare_cli("--database-url", url, "db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"to {head_revision()}" in first.stdout and path.exists()
    again = bare_cli("--database-url", url, "db", "upgrade")
    assert again.exit_code == 0 and "is up to date" in again.stdout
    assert json.loads(bare_cli("--database-url", url, "recent", "--json").stdout)["runs"] == []


def test_db_upgrade_on_an_existing_store_reports_the_revision(cli: Invoke, engine: Engine) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"revision {head_revision()}" in result.stdout


def test_db_upgrade_on_an_unreachable_database_exits_1(bare_cli: Invoke) -> None:
    result = bare_cli("--database-url", "postgresql://postgres@127.0.0.1:1/mltrace", "db", "upgrade")
    assert result.exit_code == 1 and "cannot use the database" in result.stderr
