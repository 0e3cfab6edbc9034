"""Errors the query layer raises; messages name what was not found or what was wrong and what to do."""

from __future__ import annotations


class NotFound(LookupError, RuntimeError):
    """An unknown run id, component, IO pointer or trace.

    A RuntimeError too: mltrace 0.17 raised RuntimeError for unknown names, and code written for it catches that.
    """

    def __init__(self, what: str, key: str, hint: str = "") -> None:
        self.what = what
        self.key = key
        message = f"no {what} {key!r}"
        super().__init__(f"{message}; {hint}" if hint else message)

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidArgument(ValueError):
    """An argument that cannot be answered (bad cursor, negative limit, malformed id)."""
