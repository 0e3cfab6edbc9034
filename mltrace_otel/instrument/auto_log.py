"""mltrace 0.17's ``auto_log``: arguments and final locals that look like data or models become IO pointers.

Which values count is mltrace's rule: the name contains "data" or "model", or the value is a pandas DataFrame,
or it is larger than a megabyte (``sys.getsizeof``). Each such value is saved once under a name made from its
content (``<artifacts>/<sha256 prefix>.mlt``; pickle), and that path is the pointer. mltrace named artifacts
after the variable and the time and matched later arguments by a hash kept in its database; naming by content
links the run that returned a DataFrame to the run that was passed it, in any process, with no lookup, and
never writes the same value twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LARGE_BYTES = 1_000_000


def artifact_dir() -> Path:
    """mltrace's ``SAVE_DIR`` when set, else ``$MLTRACE_HOME/artifacts`` (``~/.mltrace/artifacts``)."""
    explicit = os.environ.get("SAVE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MLTRACE_HOME", Path.home() / ".mltrace")) / "artifacts"


def looks_like_data_or_model(name: str, value: Any) -> bool:
    if "data" in name or "model" in name:
        return True
    pandas = sys.modules.get("pandas")  # a DataFrame exists only if pandas was imported
    if pandas is not None and isinstance(value, pandas.DataFrame):
        return True
    try:
        return sys.getsizeof(value) > LARGE_BYTES
    except TypeError:  # objects whose __sizeof__ is broken
        return False


def save_artifact(value: Any, path: str | Path | None = None) -> str:
    """Pickle ``value`` to ``path``, or to its content-addressed name when no path is given; returns the path."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if path is None:
        target = artifact_dir() / f"{hashlib.sha256(payload).hexdigest()[:32]}.mlt"
        if target.exists():
            return str(target)  # same bytes, same name: already saved
    else:
        target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename: a reader (another process of the pipeline) never sees half a file. Created with the
    # process's umask, as a plain open() would.
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}"
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return str(path) if path is not None else str(target)


def auto_pointers(values: Mapping[str, Any]) -> list[str]:
    """Pointers for the values that look like data or models, saving each; a value that cannot be pickled is
    skipped with a warning (tracing never fails the pipeline)."""
    pointers: list[str] = []
    for name, value in values.items():
        if name.startswith("_") or not looks_like_data_or_model(name, value):
            continue
        try:
            pointers.append(save_artifact(value))
        except Exception as exc:  # unpicklable values (locks, generators, open files, ...)
            log.warning("mltrace-otel auto_log: not logging %r: cannot save it (%s: %s)", name, type(exc).__name__, exc)
    return list(dict.fromkeys(pointers))
