"""Where the CLI's answers come from: a :class:`Backend` is the database or a running server.

Commands call only these methods, so every command works the same with ``--database-url`` or ``--server``.
"""

from __future__ import annotations

from typing import Protocol

from mltrace_otel.cli.views import ComponentView, GraphView, InspectView, PointerView, ReviewView, RunPage, RunView


class CliError(Exception):
    """A failure the user can fix; printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Backend(Protocol):
    def recent(self, limit: int) -> RunPage: ...

    def history(self, component: str, limit: int, since_ns: int | None, until_ns: int | None) -> RunPage: ...

    def inspect(self, run_id: str) -> InspectView: ...

    def graph(self, output: str, *, downstream: bool, max_depth: int) -> GraphView: ...

    def components(self, tag: str | None, owner: str | None) -> list[ComponentView]: ...

    def tags(self) -> list[str]: ...

    def tag(self, component: str, tags: list[str]) -> ComponentView: ...

    def set_flag(self, output: str, flagged: bool) -> PointerView: ...

    def unflag_all(self) -> int: ...

    def review(self, limit: int, rank_by: str) -> ReviewView: ...

    def set_notes(self, run_id: str, notes: str) -> RunView: ...
