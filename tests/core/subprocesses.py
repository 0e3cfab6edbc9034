"""Run a Python snippet in a fresh interpreter (a pipeline process of its own) against a test store."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_INHERITED_NOISE = ("MLTRACE_DATABASE_URL", "DB_URI", "DB_SERVER", "TRACEPARENT", "TRACESTATE", "OTEL_TRACES_EXPORTER")


def python_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_NOISE}
    env["PYTHONPATH"] = str(ROOT)
    if database_url:
        env["MLTRACE_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_python(
    code: str, database_url: str | None = None, *, env: dict[str, str] | None = None, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` and fail with its output when it exits non-zero."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env if env is not None else python_env(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done
