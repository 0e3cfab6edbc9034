"""One base for the errors mltrace-otel raises on purpose: structured fields, no front end's wording.

``code`` is stable and machine-readable (GraphQL's ``extensions.code``, the UI's classification); ``subject`` and
``key`` say what it is about (a run and its id, a component and its name); the message states the fact. Each
front end words what to do next itself: the CLI in cli/errors.py, GraphQL in graphql_server/errors.py, the UI by
the code it receives.
"""

from __future__ import annotations

from typing import ClassVar


class MltraceError(Exception):
    code: ClassVar[str] = "MLTRACE_ERROR"
    subject: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.code


class NotFound(MltraceError, LookupError, RuntimeError):
    """An unknown run id, component, IO pointer, output or trace.

    A RuntimeError too: mltrace 0.17 raised RuntimeError for unknown names, and code written for it catches that.
    """

    code = "NOT_FOUND"

    def __init__(self, what: str, key: str, detail: str = "") -> None:
        self.subject = self.what = what
        self.key = key
        message = f"no {what} {key!r}"
        super().__init__(f"{message}; {detail}" if detail else message)


class InvalidArgument(MltraceError, ValueError):
    """An argument that cannot be answered (bad cursor, negative limit, malformed id)."""

    code = "BAD_USER_INPUT"
