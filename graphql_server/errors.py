"""Error policy: clients get messages they can act on, never internals; the server log gets the details.

- mltrace-otel's own errors (mltrace_otel/errors.py) pass through with their message, worded for GraphQL users
  here (what to query next), and their ``code`` as ``extensions.code`` (``NOT_FOUND``, ``BAD_USER_INPUT``, ...);
  a not-found error also carries ``what``, ``key`` and the plain ``fact``, so other front ends word it their way.
- ``GraphQLError`` raised on purpose (limits) and validation errors pass through unchanged.
- Anything else is logged with its traceback under a short reference, and the client sees only that reference.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from mltrace_otel.errors import MltraceError

log = logging.getLogger("graphql_server.errors")

_REFERENCE = "_mltrace_error_reference"
CLIENT_ERRORS = (MltraceError,)
# What to query to find a valid key, by the subject of a NOT_FOUND error.
_NEXT_STEP = {"run": "list ids with recentRuns", "component": "list components with `components`"}
# Strawberry's and graphql-core's guard messages, and the server setting that raises each limit.
_LIMITS = (
    (re.compile(r"exceeds maximum operation depth of (\d+)"), "maxQueryDepth", "MLTRACE_MAX_QUERY_DEPTH"),
    (re.compile(r"aliases found\. Allowed: (\d+)"), "maxAliases", "MLTRACE_MAX_ALIASES"),
    (re.compile(r"Document contains more than (\d+) tokens"), "maxTokens", "MLTRACE_MAX_TOKENS"),
)


def _limit(error: GraphQLError) -> tuple[str, str, int] | None:
    if error.original_error is not None:
        return None
    for pattern, limit, variable in _LIMITS:
        match = pattern.search(error.message)
        if match:
            return limit, variable, int(match.group(1))
    return None


def _is_internal(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, (*CLIENT_ERRORS, GraphQLError))


class Schema(strawberry.Schema):
    """Strawberry's schema, logging only the errors that are the server's fault (with traceback)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            if not _is_internal(error):
                log.debug("GraphQL client error at %s: %s", error.path, error.message)
                continue
            reference = uuid.uuid4().hex[:12]
            # An exception type with __slots__ refuses the attribute: the log still has the reference.
            with contextlib.suppress(AttributeError):
                setattr(error.original_error, _REFERENCE, reference)
            log.error(
                "GraphQL internal error %s at %s: %s",
                reference,
                error.path,
                error.message,
                exc_info=error.original_error,
            )


class ErrorPolicy(MaskErrors):
    """Rewrite resolver errors: client errors get a code, internal errors are masked behind a reference."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: e.original_error is not None or _limit(e) is not None)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, GraphQLError):
            return error
        limit = _limit(error)
        if limit is not None:
            name, variable, maximum = limit
            message = f"{error.message} (server limit {name} = {maximum}, set by {variable})"
            extensions: dict[str, Any] = {"code": "LIMIT_EXCEEDED", "limit": name, "max": maximum}
        elif isinstance(original, MltraceError):
            message, extensions = graphql_message(original), {"code": original.code}
            if original.code == "NOT_FOUND":
                extensions.update(what=original.subject, key=original.key, fact=str(original))
        else:
            reference = getattr(original, _REFERENCE, None) or "unlogged"
            message = f"internal server error (reference {reference}); the server log has the details"
            extensions = {"code": "INTERNAL_SERVER_ERROR", "reference": reference}
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions=extensions,
        )


def graphql_message(error: MltraceError) -> str:
    step = _NEXT_STEP.get(error.subject or "") if error.code == "NOT_FOUND" else None
    return f"{error}; {step}" if step else str(error)


def limit_exceeded(message: str, limit: str, maximum: int) -> GraphQLError:
    """An over-limit error that names the limit and the setting that raises it."""
    return GraphQLError(message, extensions={"code": "LIMIT_EXCEEDED", "limit": limit, "max": maximum})
