"""API keys and UI sessions in the store: created, listed, revoked, and looked up by the secret a client sends.

A key is ``mlt_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). The store keeps only its
sha256: with that much entropy a fast hash is enough (nothing to brute-force), and a lookup is one index seek on
the hash. The row found is then compared with ``hmac.compare_digest`` all the same, so no code path branches on how
much of a guess matched. Every check reads the table, so a revocation is seen by every replica on its next request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from mltrace_otel.queries.audit import record
from mltrace_otel.queries.errors import InvalidArgument, NotFound
from mltrace_otel.queries.scopes import Scope, scope_text, stored_scopes
from mltrace_otel.store.models import api_keys, sessions

PREFIX = "mlt_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class ApiKey:
    name: str
    scopes: frozenset[Scope]
    created_by: str
    created_ns: int
    revoked_ns: int | None

    @property
    def active(self) -> bool:
        return self.revoked_ns is None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "scopes": scope_text(self.scopes), "revoked": not self.active}


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _row_key(row: object) -> ApiKey:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKey(m["name"], stored_scopes(m["scopes"]), m["created_by"], m["created_ns"], m["revoked_ns"])


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidArgument(
            f"key name {name!r} is not allowed: 1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or"
            " digit"
        )
    return name


def create_key(conn: Connection, name: str, scopes: Iterable[Scope], actor: str) -> NewKey:
    """A new key (its name unique among all keys, revoked ones included: the audit log refers to keys by name)."""
    check_name(name)
    granted = frozenset(scopes)
    if conn.execute(select(api_keys.c.name).where(api_keys.c.name == name)).first() is not None:
        raise InvalidArgument(f"a key named {name!r} exists already (names are never reused; choose another)")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = time.time_ns()
    conn.execute(
        insert(api_keys).values(
            name=name, key_hash=digest(secret), scopes=scope_text(granted), created_by=actor, created_ns=now
        )
    )
    key = ApiKey(name, granted, actor, now, None)
    record(conn, actor, "key.create", f"key:{name}", None, key.as_json())
    return NewKey(key, secret)


def list_keys(conn: Connection) -> list[ApiKey]:
    return [_row_key(r) for r in conn.execute(select(api_keys).order_by(api_keys.c.created_ns, api_keys.c.name))]


def revoke_key(conn: Connection, name: str, actor: str) -> ApiKey:
    """Revoke a key and end its sessions; revoking a revoked key changes nothing (and records nothing)."""
    row = conn.execute(select(api_keys).where(api_keys.c.name == name)).first()
    if row is None:
        raise NotFound("API key", name)
    before = _row_key(row)
    if not before.active:
        return before
    now = time.time_ns()
    conn.execute(update(api_keys).where(api_keys.c.name == name).values(revoked_ns=now))
    conn.execute(delete(sessions).where(sessions.c.key_name == name))
    after = ApiKey(before.name, before.scopes, before.created_by, before.created_ns, now)
    record(conn, actor, "key.revoke", f"key:{name}", before.as_json(), after.as_json())
    return after


def key_for_secret(conn: Connection, secret: str) -> ApiKey | None:
    """The active key whose secret this is, else None (unknown and revoked keys look the same to the caller)."""
    hashed = digest(secret)
    row = conn.execute(select(api_keys).where(api_keys.c.key_hash == hashed)).first()
    if row is None or not hmac.compare_digest(row._mapping["key_hash"], hashed):
        return None
    key = _row_key(row)
    return key if key.active else None


# Sessions


def create_session(conn: Connection, key: ApiKey, ttl_s: float) -> tuple[str, int]:
    """A session token for ``key`` (the cookie's value) and its expiry in ns."""
    token = secrets.token_urlsafe(32)
    now = time.time_ns()
    expires = now + int(ttl_s * 1e9)
    # Expired sessions of anyone are swept here, so the table stays as small as the set of live sign-ins.
    conn.execute(delete(sessions).where(sessions.c.expires_ns < now))
    conn.execute(
        insert(sessions).values(token_hash=digest(token), key_name=key.name, created_ns=now, expires_ns=expires)
    )
    return token, expires


def key_for_session(conn: Connection, token: str) -> ApiKey | None:
    """The active key behind an unexpired session, else None."""
    hashed = digest(token)
    row = conn.execute(
        select(api_keys, sessions.c.token_hash, sessions.c.expires_ns)
        .join(sessions, sessions.c.key_name == api_keys.c.name)
        .where(sessions.c.token_hash == hashed)
    ).first()
    if row is None or not hmac.compare_digest(row._mapping["token_hash"], hashed):
        return None
    if row._mapping["expires_ns"] < time.time_ns():
        return None
    key = _row_key(row)
    return key if key.active else None


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == digest(token)))
