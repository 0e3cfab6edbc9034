"""One trace across processes and hosts: W3C ``traceparent`` in HTTP headers or a ``TRACEPARENT`` variable.

The SDK's environment carrier is private, so this is our own few lines: ``child_env()`` for subprocesses,
``inject_headers()`` for remote steps, and ``context_from_env()`` on the receiving side (component runs use it
automatically when they start with no parent in the current process).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context

_ENV_KEYS = {"traceparent": "TRACEPARENT", "tracestate": "TRACESTATE"}


def inject_headers(headers: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Add ``traceparent`` (and ``tracestate``) of the current span to ``headers`` and return them."""
    carrier: MutableMapping[str, str] = {} if headers is None else headers
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, str]) -> Context:
    return propagate.extract({k.lower(): v for k, v in headers.items()})


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (default ``os.environ``) carrying the current span as ``TRACEPARENT``."""
    result = dict(os.environ if env is None else env)
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    for key, var in _ENV_KEYS.items():
        if key in carrier:
            result[var] = carrier[key]
        else:
            result.pop(var, None)
    return result


def context_from_env(env: Mapping[str, str] | None = None) -> Context | None:
    """The parent context a ``TRACEPARENT`` variable carries, or None when there is none (or it is malformed)."""
    source = os.environ if env is None else env
    carrier = {key: source[var] for key, var in _ENV_KEYS.items() if source.get(var)}
    if "traceparent" not in carrier:
        return None
    ctx = propagate.extract(carrier)
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None
