"""The query layer's errors (defined in mltrace_otel/errors.py, importable from here as before)."""

from __future__ import annotations

from mltrace_otel.errors import InvalidArgument, NotFound

__all__ = ["InvalidArgument", "NotFound"]
