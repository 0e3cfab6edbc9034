"""``mltrace``: the console script's entry point (``mltrace_otel.cli.main:app``)."""

from __future__ import annotations

from mltrace_otel.cli.app import app
from mltrace_otel.cli.commands import admin, components, flags, lineage, runs

# Importing the command modules registers their commands, in the order `mltrace --help` lists them.
__all__ = ["admin", "app", "components", "flags", "lineage", "runs"]

if __name__ == "__main__":
    app()
