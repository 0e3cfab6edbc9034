"""The audit trail: every write to what review ranks on (flags, tags, component metadata, notes) and to who may do
what (keys), and every clear, recorded in the writer's own transaction: who, what, before -> after, when.

A change that commits is recorded, and a record exists only for a change that committed. Subjects are
``pointer:NAME``, ``component:NAME``, ``run:ID``, ``key:NAME`` or ``store``; ``before``/``after`` are JSON texts.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from mltrace_otel.queries.cursors import check_first
from mltrace_otel.queries.errors import InvalidArgument
from mltrace_otel.store.models import audit_log


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at_ns: int
    actor: str
    action: str
    subject: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    has_next: bool
    end_cursor: str | None


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def record(conn: Connection, actor: str, action: str, subject: str, before: object, after: object) -> None:
    conn.execute(
        insert(audit_log).values(
            at_ns=time.time_ns(), actor=actor, action=action, subject=subject, before=_json(before), after=_json(after)
        )
    )


def record_many(conn: Connection, actor: str, action: str, changes: Sequence[tuple[str, object, object]]) -> None:
    """One entry per (subject, before, after), in one statement (a bulk write is still one record per subject)."""
    if not changes:
        return
    now = time.time_ns()
    conn.execute(
        insert(audit_log),
        [
            {"at_ns": now, "actor": actor, "action": action, "subject": s, "before": _json(b), "after": _json(a)}
            for s, b, a in changes
        ],
    )


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{seq}".encode()).decode("ascii")


def _seq(cursor: str) -> int:
    try:
        kind, seq = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii").split(":")
        if kind != "audit":
            raise ValueError(kind)
        return int(seq)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise InvalidArgument(f"cursor {cursor!r} is not an audit-log cursor; pass an endCursor back") from exc


def audit_page(conn: Connection, first: int = 50, after: str | None = None, subject: str | None = None) -> AuditPage:
    """Newest first; ``subject`` keeps one subject's entries (one index seek)."""
    check_first(first)
    stmt = select(audit_log).order_by(audit_log.c.seq.desc()).limit(first + 1)
    if subject is not None:
        stmt = stmt.where(audit_log.c.subject == subject)
    if after is not None:
        stmt = stmt.where(audit_log.c.seq < _seq(after))
    rows = conn.execute(stmt).all()
    entries = [AuditEntry(**r._mapping) for r in rows[:first]]
    return AuditPage(entries, len(rows) > first, _cursor(entries[-1].seq) if entries else None)


def latest_by_subject(conn: Connection, subjects: list[str], actions: tuple[str, ...]) -> dict[str, AuditEntry]:
    """The newest entry of one of ``actions`` per subject, for a batch of subjects (one round-trip)."""
    if not subjects:
        return {}
    newest = (
        select(audit_log.c.subject, audit_log.c.seq)
        .where(audit_log.c.subject.in_(subjects), audit_log.c.action.in_(actions))
        .order_by(audit_log.c.subject, audit_log.c.seq.desc())
    )
    found: dict[str, AuditEntry] = {}
    seqs: dict[str, int] = {}
    for subject, seq in conn.execute(newest):
        seqs.setdefault(subject, seq)
    if seqs:
        for row in conn.execute(select(audit_log).where(audit_log.c.seq.in_(list(seqs.values())))):
            entry = AuditEntry(**row._mapping)
            found[entry.subject] = entry
    return found


def latest_flags(conn: Connection, names: list[str]) -> dict[str, AuditEntry]:
    """The newest ``flag`` entry per pointer name, for a batch of pointers (one round-trip)."""
    found = latest_by_subject(conn, [f"pointer:{n}" for n in names], ("flag",))
    return {subject.removeprefix("pointer:"): entry for subject, entry in found.items()}
