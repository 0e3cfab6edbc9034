"""``save``/``load``: persist an object and record the file as the current run's output or input."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

from mltrace_otel import semconv
from mltrace_otel.instrument.run_handle import current_run, current_span_is_run

log = logging.getLogger(__name__)


def _record(path: str, direction: str) -> None:
    run = current_run()
    if run is not None:
        (run.add_output if direction == "out" else run.add_input)(path)
        return
    span = current_span_is_run()
    if span is None:
        log.debug("mltrace-otel: %s outside a component run; not recorded", path)
        return
    # A plain-OTel run: extend its pointer list attribute in place.
    key = semconv.OUTPUTS if direction == "out" else semconv.INPUTS
    existing = list(span.attributes.get(key) or ())  # type: ignore[attr-defined]
    if path not in existing:
        span.set_attribute(key, [*existing, path])


def save(obj: Any, path: str | Path) -> str:
    """Pickle ``obj`` to ``path`` and record ``path`` as an output of the current run. Returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        pickle.dump(obj, fh)
    name = str(path)
    _record(name, "out")
    return name


def load(path: str | Path) -> Any:
    """Unpickle ``path`` and record it as an input of the current run."""
    with Path(path).open("rb") as fh:
        obj = pickle.load(fh)
    _record(str(path), "in")
    return obj
