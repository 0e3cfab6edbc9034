"""API keys and audit-log entries as the API shows them (never a key's secret, except once at creation)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from mltrace_otel.queries.api_keys import ApiKey as ApiKeyRecord
from mltrace_otel.queries.audit import AuditEntry as AuditRecord
from mltrace_otel.queries.records import ns_to_datetime
from mltrace_otel.queries.scopes import Scope


@strawberry.type(description="An API key: its name and scopes. The key itself is shown once, when created.")
class ApiKey:
    name: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_record(cls, key: ApiKeyRecord) -> ApiKey:
        return cls(
            name=key.name,
            scopes=[s.value for s in Scope if s in key.scopes],
            created_by=key.created_by,
            created_at=ns_to_datetime(key.created_ns),
            revoked_at=ns_to_datetime(key.revoked_ns) if key.revoked_ns else None,
        )


@strawberry.type(description="A key just created, with its secret: store it now, it is never shown again.")
class NewApiKey:
    key: ApiKey
    secret: str


@strawberry.type(description="One recorded change: who (key name), what, before -> after (JSON), when.")
class AuditEntry:
    actor: str
    action: str
    subject: str = strawberry.field(description="pointer:NAME, component:NAME, run:ID, key:NAME, pointers or store.")
    before: str | None = strawberry.field(description="JSON of the state before the change.")
    after: str | None = strawberry.field(description="JSON of the state after the change.")
    at: datetime

    @classmethod
    def from_record(cls, entry: AuditRecord) -> AuditEntry:
        return cls(
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            before=entry.before,
            after=entry.after,
            at=ns_to_datetime(entry.at_ns),
        )


@strawberry.type(description="A page of the audit log, newest first.")
class AuditPage:
    entries: list[AuditEntry]
    has_next_page: bool
    end_cursor: str | None
