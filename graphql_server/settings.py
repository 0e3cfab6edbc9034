"""Server settings: one dataclass, read from the environment by ``from_env`` (flags override in the CLI)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from mltrace_otel.config import ConfigError, database_url

N = TypeVar("N", int, float)


def _number(name: str, default: N, convert: Callable[[str], N], *, zero_ok: bool) -> N:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = convert(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not {'an integer' if convert is int else 'a number'}") from exc
    if value < 0 or (value == 0 and not zero_ok):
        raise ConfigError(f"{name}={raw!r} must be {'non-negative' if zero_ok else 'positive'}")
    return value


def _int(name: str, default: int) -> int:
    return _number(name, default, int, zero_ok=True)


def _float(name: str, default: float) -> float:
    return _number(name, default, float, zero_ok=False)


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


AUTH_MODES = ("off", "keys")


def _auth_mode() -> str:
    raw = (os.environ.get("MLTRACE_AUTH") or "off").strip().lower()
    if raw not in AUTH_MODES:
        raise ConfigError(f"MLTRACE_AUTH={raw!r} is not a mode: use off or keys")
    return raw


def _origins() -> tuple[str, ...]:
    """``MLTRACE_CORS_ORIGINS``: comma-separated origins (scheme://host[:port]) allowed to call the API from a page."""
    raw = os.environ.get("MLTRACE_CORS_ORIGINS") or ""
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin == "*" or "://" not in origin or origin.count("/") != 2:
            raise ConfigError(
                f"MLTRACE_CORS_ORIGINS: {origin!r} is not an origin; list them as https://host[:port], comma-separated"
                " (no wildcard)"
            )
    return origins


@dataclass(frozen=True)
class ServerSettings:
    database_url: str = field(default_factory=database_url)
    # GraphQL guards: generous enough for an ordinary deep trace, tight enough to stop abuse.
    max_query_depth: int = 30
    max_aliases: int = 50
    max_tokens: int = 5_000
    lineage_max_nodes: int = 20_000
    introspection: bool = True
    # OTLP receiver
    ingest_token: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    max_pending_ingests: int = 8
    # Subscriptions: how often to look for runs stored by other processes or replicas.
    poll_interval_s: float = 1.0
    # Access (issue 13): "off" (anyone who reaches the port may do anything) or "keys" (API keys with scopes).
    auth: str = "off"
    session_ttl_s: float = 12 * 3600.0
    cors_origins: tuple[str, ...] = ()
    # The most list items one GraphQL request may ask for (first x nesting, summed over fields): graphql_server/cost.py
    max_query_cost: int = 50_000
    # GET /metrics: a bearer token of its own for Prometheus scrapes (none: open, like the rest of the server).
    metrics_token: str | None = None

    @classmethod
    def from_env(cls, **overrides: Any) -> ServerSettings:
        settings = cls(
            database_url=database_url(overrides.pop("database_url", None)),
            max_query_depth=_int("MLTRACE_MAX_QUERY_DEPTH", cls.max_query_depth),
            max_aliases=_int("MLTRACE_MAX_ALIASES", cls.max_aliases),
            max_tokens=_int("MLTRACE_MAX_TOKENS", cls.max_tokens),
            lineage_max_nodes=_int("MLTRACE_LINEAGE_MAX_NODES", cls.lineage_max_nodes),
            introspection=_bool("MLTRACE_INTROSPECTION", cls.introspection),
            ingest_token=os.environ.get("MLTRACE_INGEST_TOKEN") or None,
            max_body_bytes=_int("MLTRACE_MAX_BODY_BYTES", cls.max_body_bytes),
            max_pending_ingests=_int("MLTRACE_MAX_PENDING_INGESTS", cls.max_pending_ingests),
            poll_interval_s=_float("MLTRACE_POLL_INTERVAL_S", cls.poll_interval_s),
            auth=_auth_mode(),
            session_ttl_s=_float("MLTRACE_SESSION_TTL_S", cls.session_ttl_s),
            cors_origins=_origins(),
            max_query_cost=_int("MLTRACE_MAX_QUERY_COST", cls.max_query_cost),
            metrics_token=os.environ.get("MLTRACE_METRICS_TOKEN") or None,
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
