"""Opaque keyset cursors: (start time, span id) of the last item seen. Never OFFSET."""

from __future__ import annotations

import base64
import binascii

from mltrace_otel.queries.errors import InvalidArgument


def encode_cursor(start_ns: int, span_id: str) -> str:
    return base64.urlsafe_b64encode(f"{start_ns}:{span_id}".encode()).decode("ascii")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        start, span_id = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii").split(":")
        return int(start), span_id
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise InvalidArgument(f"cursor {cursor!r} is not one this server issued; pass an endCursor back") from exc


def check_first(first: int, maximum: int = 1000) -> int:
    if first < 0:
        raise InvalidArgument(f"first must be >= 0 (got {first})")
    if first > maximum:
        raise InvalidArgument(f"first must be <= {maximum} (got {first}); page with after=endCursor")
    return first
