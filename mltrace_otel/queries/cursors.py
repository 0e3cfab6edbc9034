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


_ARRIVAL = "arrival:"


def encode_arrival_cursor(seq: int) -> str:
    """A position in the order runs were stored (``run_arrivals``): opaque to clients, the same on every replica."""
    return base64.urlsafe_b64encode(f"{_ARRIVAL}{seq}".encode()).decode("ascii")


def decode_arrival_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if text.startswith(_ARRIVAL):
            seq = int(text.removeprefix(_ARRIVAL))
            if seq >= 0:
                return seq
    except (ValueError, binascii.Error, UnicodeError):
        pass
    raise InvalidArgument(
        f"cursor {cursor!r} is not one this server issued; pass back the arrivalCursor of the last runAdded event"
    )


def check_first(first: int, maximum: int = 1000) -> int:
    if first < 0:
        raise InvalidArgument(f"first must be >= 0 (got {first})")
    if first > maximum:
        raise InvalidArgument(f"first must be <= {maximum} (got {first}); page with after=endCursor")
    return first
