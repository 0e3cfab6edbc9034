"""``mltrace``: the console script's entry point (``mltrace_otel.cli.main:app``)."""

from __future__ import annotations

from typer.models import CommandInfo

from mltrace_otel.cli.app import app
from mltrace_otel.cli.commands import (
    access,
    admin,
    components,
    flags,
    lineage,
    retention,
    run,
    runs,
    spool,
    store_moves,
    tasks,
)

# Importing the command modules registers their commands; `mltrace --help` lists them in the order users meet them.
ORDER = [
    "recent", "history", "inspect", "trace", "lineage", "components", "tags", "tag",
    "flag", "unflag", "review", "notes", "tasks", "task", "run", "serve", "keys", "audit", "clear", "spool", "pin",
    "unpin", "pins", "version",
]  # fmt: skip


def _position(command: CommandInfo) -> int:
    name = command.name or getattr(command.callback, "__name__", "")
    return ORDER.index(name) if name in ORDER else len(ORDER)


app.registered_commands.sort(key=_position)

__all__ = [
    "access",
    "admin",
    "app",
    "components",
    "flags",
    "lineage",
    "retention",
    "run",
    "runs",
    "spool",
    "store_moves",
    "tasks",
]

if __name__ == "__main__":
    app()
