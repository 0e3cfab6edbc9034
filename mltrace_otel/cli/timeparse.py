"""``--since`` / ``--until`` values: ISO dates and times (UTC unless an offset is given) or ages like ``7d``."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

from mltrace_otel.queries.records import datetime_to_ns

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
HELP = (
    "a date (2024-05-01), a time (2024-05-01T14:30, UTC unless it has an offset like +02:00) or an age (30m, 12h, 7d)"
)


class BadTime(ValueError):
    pass


def parse_time(value: str, *, end_of_day: bool = False, now_ns: int | None = None) -> int:
    """Nanoseconds since the epoch. A bare date means its first instant, or its last with ``end_of_day``
    (so ``--until 2024-05-01`` includes that whole day)."""
    text = value.strip()
    age = _AGE.match(text.lower())
    if age:
        seconds = float(age.group(1)) * _UNITS[age.group(2)]
        return (now_ns if now_ns is not None else time.time_ns()) - int(seconds * 1e9)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if end_of_day:
            return datetime_to_ns(start + timedelta(days=1)) - 1
        return datetime_to_ns(start)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadTime(f"{value!r} is not a time; use {HELP}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return datetime_to_ns(moment)
