"""The GraphQL-over-HTTP spec's ``application/graphql-response+json``: what a client that asks for it is answered.

A client that prefers that media type (``Accept``) gets it back, and HTTP statuses that mean something: a request
that never executed (unparsable query, a validation failure, variables that cannot be coerced) is a 400 with
``errors`` and no ``data``; anything that executed is a 200, field errors included. A client asking for
``application/json`` (or anything else, or nothing) gets the legacy answer it always had: 200 with ``data``
whenever a JSON body can be written.
"""

from __future__ import annotations

from starlette.requests import Request
from strawberry.types.execution import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
LEGACY_JSON = "application/json"
# Set on request.state by process_result, read when the response is made.
_REQUEST_ERROR = "graphql_request_error"


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type`` (0 when it does not list it)."""
    best = 0.0
    for part in accept.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name.lower() != media_type:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = max(best, q)
    return best


def wants_graphql_response_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    preferred = _quality(accept, GRAPHQL_RESPONSE_JSON)
    return preferred > 0 and preferred >= _quality(accept, LEGACY_JSON)


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never executed: errors without a path and no data (graphql-core reports parse,
    validation and variable coercion failures this way; a failed non-null root field has a path)."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or [])


def mark_request_error(request: Request, result: ExecutionResult) -> bool:
    """Record on the request whether it failed before executing, for the response; True when it did and the client
    asked for ``application/graphql-response+json`` (then the answer carries no ``data`` entry)."""
    failed = is_request_error(result) and wants_graphql_response_json(request)
    setattr(request.state, _REQUEST_ERROR, failed)
    return failed


def response_media(request: Request) -> tuple[str, int | None]:
    """(content type, status to answer with or None to keep it) for the request's response."""
    if not wants_graphql_response_json(request):
        return LEGACY_JSON, None
    return GRAPHQL_RESPONSE_JSON, 400 if getattr(request.state, _REQUEST_ERROR, False) else None
