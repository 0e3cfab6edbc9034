"""``mltrace serve``'s app under uvicorn in its own process (its own GIL, as in production), for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(database_url: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, psutil.Process]]:
    """The server on a free port, once ``/healthz`` answers 200: its base URL and its process. ``env`` adds
    server settings (``MLTRACE_*`` variables)."""
    port = free_port()
    code = (
        "from graphql_server.main import serve; "
        f"serve(host='127.0.0.1', port={port}, database_url={database_url!r}, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not come up")
            time.sleep(0.1)
        yield url, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU time of a process so far."""
    times = process.cpu_times()
    return float(times.user + times.system)
