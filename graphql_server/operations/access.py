"""Keys (admin only: graphql_server/auth/access_check.py says so) and the audit log."""

from __future__ import annotations

import strawberry

from graphql_server.context import Info
from graphql_server.types.AccessTypes import ApiKey, AuditEntry, AuditPage, NewApiKey
from mltrace_otel.queries.api_keys import create_key, list_keys, revoke_key
from mltrace_otel.queries.audit import audit_page
from mltrace_otel.queries.scopes import parse_scopes


def _actor(info: Info) -> str:
    principal = info.context.principal
    return getattr(principal, "actor", "anonymous")


@strawberry.type
class AccessQuery:
    @strawberry.field(description="Every API key, revoked ones included (admin scope).")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [ApiKey.from_record(k) for k in await info.context.db.read(list_keys)]

    @strawberry.field(description="Recorded changes, newest first; subject narrows to one (e.g. pointer:model.pkl).")
    async def audit_log(
        self, info: Info, first: int = 50, after: str | None = None, subject: str | None = None
    ) -> AuditPage:
        page = await info.context.db.read(audit_page, first, after, subject)
        return AuditPage(
            entries=[AuditEntry.from_record(e) for e in page.entries],
            has_next_page=page.has_next,
            end_cursor=page.end_cursor,
        )


@strawberry.type
class AccessMutation:
    @strawberry.mutation(description="Create an API key (admin scope); the answer holds its secret, shown once.")
    async def create_api_key(self, info: Info, name: str, scopes: list[str]) -> NewApiKey:
        created = await info.context.db.write(create_key, name, parse_scopes(scopes), _actor(info))
        return NewApiKey(key=ApiKey.from_record(created.key), secret=created.secret)

    @strawberry.mutation(description="Revoke an API key (admin scope): refused by every replica from now on.")
    async def revoke_api_key(self, info: Info, name: str) -> ApiKey:
        return ApiKey.from_record(await info.context.db.write(revoke_key, name, _actor(info)))
