"""The optional bearer token of the receiver (``MLTRACE_INGEST_TOKEN``)."""

from __future__ import annotations

import hmac


def authorized(header: str | None, token: str | None) -> bool:
    """True when no token is configured, or ``header`` is ``Bearer <token>`` (scheme case-insensitive)."""
    if token is None:
        return True
    scheme, _, credentials = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant-time comparison: the answer's timing must not reveal how much of a guess was right.
    return hmac.compare_digest(credentials.strip().encode("utf-8"), token.encode("utf-8"))
