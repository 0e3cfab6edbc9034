"""A real ``mltrace serve`` in a subprocess, on a free port, for the browser tests and the UI benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UI_BUILD = REPO / "graphql_server" / "static" / "index.html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_ui_build() -> None:
    if not UI_BUILD.is_file():
        raise RuntimeError(f"the web UI is not built ({UI_BUILD.relative_to(REPO)} is missing): run `make ui` first")


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]


@contextmanager
def running_server(database_url: str, log: Path, timeout_s: float = 30.0) -> Iterator[Server]:
    """Start the server, wait until /healthz answers, stop it afterwards (its log is kept for failures)."""
    port = free_port()
    code = (
        "from graphql_server.main import serve; "
        f"serve(host='127.0.0.1', port={port}, database_url={database_url!r}, log_level='warning')"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", code], cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"mltrace serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mltrace serve did not answer /healthz within {timeout_s} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url=url, database_url=database_url, process=process)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
