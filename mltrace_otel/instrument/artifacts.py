"""``save``/``load``: persist an object and record the file as the current run's output or input."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

from mltrace_otel import semconv
from mltrace_otel.instrument.auto_log import save_artifact
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


def save(obj: Any, pathname: str | Path | None = None) -> str:
    """Pickle ``obj`` to ``pathname`` and record it as an output of the current run; returns the path.

    Without a path (mltrace's ``save(obj)``), the file is named by its content under ``SAVE_DIR`` or
    ``~/.mltrace/artifacts``, so saving the same value twice writes one file.
    """
    name = save_artifact(obj, pathname)
    _record(name, "out")
    return name


def load(pathname: str | Path) -> Any:
    """Unpickle ``pathname`` and record it as an input of the current run."""
    with Path(pathname).open("rb") as fh:
        obj = pickle.load(fh)
    _record(str(pathname), "in")
    return obj
