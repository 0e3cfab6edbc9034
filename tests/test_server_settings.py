"""Server settings come from the environment; a malformed value is refused with a message naming the variable."""

from __future__ import annotations

import pytest

from graphql_server.settings import ServerSettings
from mltrace_otel.config import ConfigError


def test_every_setting_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "MLTRACE_MAX_QUERY_DEPTH": "12",
        "MLTRACE_MAX_ALIASES": "7",
        "MLTRACE_MAX_TOKENS": "900",
        "MLTRACE_LINEAGE_MAX_NODES": "100",
        "MLTRACE_INTROSPECTION": "false",
        "MLTRACE_INGEST_TOKEN": "s3cret",
        "MLTRACE_MAX_BODY_BYTES": "1024",
        "MLTRACE_MAX_PENDING_INGESTS": "3",
        "MLTRACE_POLL_INTERVAL_S": "0.25",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = ServerSettings.from_env(database_url="sqlite:///x.db")
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (12, 7, 900)
    assert settings.lineage_max_nodes == 100 and settings.introspection is False
    assert settings.ingest_token == "s3cret"
    assert (settings.max_body_bytes, settings.max_pending_ingests, settings.poll_interval_s) == (1024, 3, 0.25)
    assert settings.database_url == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MLTRACE_MAX_QUERY_DEPTH", "deep"),
        ("MLTRACE_MAX_TOKENS", "-1"),
        ("MLTRACE_INTROSPECTION", "maybe"),
        ("MLTRACE_POLL_INTERVAL_S", "0"),
        ("MLTRACE_POLL_INTERVAL_S", "soon"),
    ],
)
def test_a_malformed_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        ServerSettings.from_env()
