"""What code ran: git commit and tags, and the function's source. Each computed once, then cached."""

from __future__ import annotations

import functools
import inspect
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=256)
def git_info(directory: str) -> tuple[str | None, tuple[str, ...]]:
    """(commit, tags pointing at it) of the repository holding ``directory``; (None, ()) outside git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", directory, *args], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None, ()
    tags = git("tag", "--points-at", "HEAD") or ""
    return commit, tuple(t for t in tags.splitlines() if t)


def git_info_for_file(path: str | None) -> tuple[str | None, tuple[str, ...]]:
    """Git info of the repository holding ``path`` (a file or a directory; default the working directory)."""
    resolved = Path(path).resolve() if path else Path.cwd()
    return git_info(str(resolved if resolved.is_dir() else resolved.parent))


_sources: dict[Any, str | None] = {}


def function_source(func: Callable[..., Any]) -> str | None:
    """The function's source; ``inspect`` decodes by the file's PEP 263 cookie, so any encoding works."""
    code = getattr(func, "__code__", func)
    if code in _sources:
        return _sources[code]
    try:
        source: str | None = inspect.getsource(func)
    except (OSError, TypeError, SyntaxError, UnicodeDecodeError):
        source = None
    _sources[code] = source
    return source


def function_file(func: Callable[..., Any]) -> str | None:
    try:
        return inspect.getsourcefile(func) or inspect.getfile(func)
    except TypeError:
        return None


def qualified_name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"
