"""What a failed write means: wait for the store, fix the store, or reject the spans that caused it.

Every path into the store (the pipeline's spool drainer, the OTLP receiver) asks :func:`classify` and acts on the
answer the same way:

- ``UNAVAILABLE``: the store cannot be reached or is busy (connection refused or lost, a restart, serialisation
  failure, deadlock, lock timeout, SQLite's "database is locked", a full disk). Retrying the same spans later
  will succeed: keep them and retry with backoff.
- ``STORE``: the store answers but refuses every write for a reason of its own (authentication, a missing
  database or table, no permission, read-only). No span is at fault, so none is rejected: keep them and retry
  until someone fixes the store, and say so.
- ``SPAN``: the database refused something in the batch (a value it cannot store, a constraint, a trigger).
  Retrying the same batch fails the same way, so the batch is split until the spans that cause it are found
  (see :mod:`mltrace_otel.store.isolation`); only those are rejected, each with this reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, NoSuchModuleError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class Fault(enum.Enum):
    UNAVAILABLE = "store unreachable"
    STORE = "store refuses writes"
    SPAN = "span rejected"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    fault: Fault
    reason: str  # one line a user can read: the database's own message, without the SQL


# SQLSTATE classes (first two characters) and codes. Postgres documents them in "PostgreSQL Error Codes".
_UNAVAILABLE_CLASSES = ("08", "40", "53", "57", "58")  # connection, rollback, resources, operator, system I/O
_UNAVAILABLE_CODES = ("55P03", "55006")  # lock_not_available, object_in_use
# Authorization, invalid catalog/schema names, syntax or access rule (missing table, no permission), invalid
# transaction state (read-only server), feature not supported, internal error: the store, not a span.
_STORE_CLASSES = ("28", "3D", "3F", "42", "25", "0A", "XX", "F0", "HV")
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "disk is full")
_SQLITE_STORE = ("no such table", "no such column", "has no column", "readonly", "not a database", "malformed")


def classify(exc: BaseException) -> Diagnosis:
    """Say what ``exc``, raised while writing spans, means for them."""
    if isinstance(exc, PoolTimeout):
        return Diagnosis(Fault.UNAVAILABLE, "no database connection was free in time")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Diagnosis(Fault.UNAVAILABLE, _first_line(exc.orig or exc))
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = _first_line(original)
    pgcode = getattr(original, "pgcode", None)
    if pgcode:
        code = str(pgcode)
        if code.startswith(_UNAVAILABLE_CLASSES) or code in _UNAVAILABLE_CODES:
            return Diagnosis(Fault.UNAVAILABLE, reason)
        if code.startswith(_STORE_CLASSES):
            return Diagnosis(Fault.STORE, reason)
        return Diagnosis(Fault.SPAN, reason)
    names = {cls.__name__ for cls in type(original).__mro__}
    module = type(original).__module__
    if isinstance(original, OSError | ConnectionError):  # a directory that cannot be created, a socket
        return Diagnosis(Fault.UNAVAILABLE, reason)
    if isinstance(original, NoSuchModuleError | ImportError):
        return Diagnosis(Fault.STORE, reason)
    if module.startswith("psycopg2") and names & {"OperationalError", "InterfaceError"}:
        # No SQLSTATE: the server went away, refused the connection or never answered.
        return Diagnosis(Fault.UNAVAILABLE, reason)
    if module.startswith(("sqlite3", "_sqlite3")) and "OperationalError" in names:
        text = reason.lower()
        if any(word in text for word in _SQLITE_UNAVAILABLE):
            return Diagnosis(Fault.UNAVAILABLE, reason)
        if any(word in text for word in _SQLITE_STORE):
            return Diagnosis(Fault.STORE, reason)
        return Diagnosis(Fault.SPAN, reason)
    if "InterfaceError" in names:  # a closed connection, whatever the driver
        return Diagnosis(Fault.UNAVAILABLE, reason)
    if _is_migration_error(original):
        return Diagnosis(Fault.STORE, reason)
    # Values the driver cannot send (UnicodeEncodeError, NUL, an integer too large), constraints, triggers,
    # sqlite3's IntegrityError and DataError, and anything unknown: split the batch and find the spans.
    return Diagnosis(Fault.SPAN, reason)


def _is_migration_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("alembic")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0].strip() if text else ""
    return f"{type(exc).__name__}: {line}" if line else type(exc).__name__
