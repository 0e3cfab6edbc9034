"""Every command's ``--help``: flags carry no ``<bool>`` type (they take no value) and every option is listed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mltrace_otel.cli.main import app


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _help(root: Any, path: tuple[str, ...]) -> str:
    # The tree built once: Typer's runner.invoke(app) would rebuild it for each of ~50 commands (2/3 of the time).
    with CliRunner().isolation() as (out, _err, _):
        with pytest.raises(SystemExit) as exited:
            root.main([*path, "--help"], prog_name="mltrace")
        text: str = out.getvalue().decode()
    assert exited.value.code == 0, (path, text)
    return text


def test_no_flag_shows_a_type_and_every_option_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that Rich never folds an option's name
    root = typer.main.get_command(app)
    tree = list(_commands(root))
    assert len(tree) > 30  # the walk found the subcommands (recent, db upgrade, keys create, …)
    flags_seen = 0
    for path, command in tree:
        output = _help(root, path)
        shown = " ".join(["mltrace", *path])
        assert "<bool>" not in output, f"{shown} --help:\n{output}"
        assert "--help" in output and "-h" in output, shown
        for param in command.params:
            if getattr(param, "hidden", False) or param.param_type_name != "option":
                continue
            flags_seen += bool(param.is_flag)
            for name in [*param.opts, *param.secondary_opts]:
                assert name in output, f"{shown} --help does not list {name}:\n{output}"
    assert flags_seen > 5  # --json and friends were among the options checked
