"""mltrace 0.17's entities: ``ComponentRun``, ``IOPointer``, ``Component``, ``Test``, and the ready-made
``components`` and ``tests``. ``from mltrace_otel.entities import ComponentRun, IOPointer`` is mltrace's
``from mltrace.entities import ...``.

Names load on first use: ``Component`` lives with the instrumentation it drives, which itself builds on
``entities.base``, so importing it eagerly here would be circular.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ComponentRun": "mltrace_otel.entities.component_run",
    "IOPointer": "mltrace_otel.entities.io_pointer",
    "PointerTypeEnum": "mltrace_otel.entities.io_pointer",
    "Component": "mltrace_otel.instrument.component",
    "Test": "mltrace_otel.instrument.component",
}
_MODULES = {"components", "tests"}

__all__ = [*_EXPORTS, *sorted(_MODULES)]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
