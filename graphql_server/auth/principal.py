"""Who a request acts as, and the answer when it may not act at all."""

from __future__ import annotations

from dataclasses import dataclass

from mltrace_otel.queries.scopes import ALL, Scope

SESSION_COOKIE = "mltrace_session"


@dataclass(frozen=True)
class Principal:
    name: str  # the key's name; "anonymous" when access control is off
    scopes: frozenset[Scope]
    via: str  # "off", "key", "token" (MLTRACE_INGEST_TOKEN) or "session" (the UI's cookie)

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return "anonymous" if self.via == "off" else f"key:{self.name}"

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes


ANONYMOUS = Principal("anonymous", ALL, "off")


@dataclass(frozen=True)
class Denied:
    """401 (no usable credential) or 403 (a credential without the scope needed)."""

    status: int
    message: str

    @property
    def code(self) -> str:
        return "UNAUTHENTICATED" if self.status == 401 else "FORBIDDEN"


def missing_scope(principal: Principal, scope: Scope, what: str) -> Denied:
    return Denied(403, f"{what} needs the {scope.value!r} scope; key {principal.name!r} does not have it")
