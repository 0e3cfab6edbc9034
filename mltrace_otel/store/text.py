"""Text both databases accept, decided before any transaction (one refused value would fail a whole batch).

Two characters a Python ``str`` can hold are refused by the drivers or the databases, and both are *replaced*,
never rejected, wherever they appear (names, pointers, tags, attributes, events, resource):

- NUL (U+0000): Postgres stores no NUL in ``text`` or ``jsonb``. It becomes U+FFFD.
- A lone surrogate (U+D800-U+DFFF), e.g. from ``os.fsdecode`` of a file name that is not UTF-8: it cannot be
  encoded as UTF-8, so psycopg2 and sqlite3 refuse the statement. It becomes a readable, deterministic escape:
  ``\\xNN`` for U+DC80-U+DCFF (the undecodable byte NN, as Python prints such names), ``\\uDNNN`` otherwise.
  The same bad name always gives the same stored name, so lineage through such a file still joins.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def has_lone_surrogate(text: str) -> bool:
    if text.isascii():  # O(1) in CPython: the common case costs nothing
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storable_text(text: str) -> str:
    """``text`` with NUL and lone surrogates replaced as described above (the same object when clean)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if has_lone_surrogate(text):
        text = _SURROGATE.sub(_escape, text)
    return text


def storable(value: Any) -> Any:
    """:func:`storable_text` applied to every string in a JSON-shaped value (keys included)."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value
