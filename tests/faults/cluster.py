"""Private Postgres clusters for fault tests: stopped, started and frozen at will, never the shared server.

One ``initdb`` per test session makes a template data directory; each cluster is a copy of it on a free port with
its socket in its own directory, so clusters start in about a second and are independent of each other (one can
be down while another serves). Postgres refuses to run as root: as root, every server command runs as the
``postgres`` user, which owns the directories.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg2

_SETTINGS = (
    # Crash safety of these throwaway clusters is not what is tested: no fsync, small memory.
    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 32MB\nmax_connections = 60\n"
    "listen_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\nport = {port}\nlogging_collector = off\n"
)


# Alembic keeps its migration context in module globals: scenarios running side by side migrate one at a time.
_MIGRATIONS = threading.Lock()


def migrate(url: str) -> None:
    from sqlalchemy import create_engine

    from mltrace_otel.store.migrate import upgrade

    engine = create_engine(url)
    try:
        with _MIGRATIONS:
            upgrade(engine)
    finally:
        engine.dispose()


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("Postgres server binaries (initdb, pg_ctl) are not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ClusterFactory:
    """Makes clusters from one template data directory (initdb once)."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="mltrace-pg-"))
        self._own(self.root)
        self.template = self.root / "template"
        self._run("initdb", "-D", str(self.template), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.clusters: list[Cluster] = []
        self._lock = threading.Lock()

    def _own(self, path: Path) -> None:
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)
        path.chmod(0o700)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        user: dict[str, Any] = {"user": "postgres", "group": "postgres"} if self.as_postgres else {}
        return subprocess.run(
            [str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            check=check,
            cwd=self.root,
            timeout=120,
            **user,
        )

    def new(self, name: str) -> Cluster:
        # A short directory name: the server's Unix socket lives there, and socket paths are limited to ~100 bytes.
        with self._lock:
            cluster = Cluster(self, name, self.root / f"c{len(self.clusters) + 1}", free_port())
            self.clusters.append(cluster)
        user: dict[str, Any] = {"user": "postgres", "group": "postgres"} if self.as_postgres else {}
        subprocess.run(["cp", "-a", str(self.template), str(cluster.data)], check=True, timeout=120, **user)
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(_SETTINGS.format(dir=cluster.data, port=cluster.port))
        return cluster

    def close(self) -> None:
        for cluster in self.clusters:
            with contextlib.suppress(Exception):
                cluster.thaw()
                cluster.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Cluster:
    def __init__(self, factory: ClusterFactory, name: str, data: Path, port: int) -> None:
        self.factory = factory
        self.name = name
        self.data = data
        self.port = port
        self.running = False

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        self.factory._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "60", "start"
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self.factory._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)
            self.running = False

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def freeze(self) -> None:
        """SIGSTOP the postmaster: new connections hang (no error, no answer), as with a frozen host."""
        os.kill(self.postmaster_pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        if (self.data / "postmaster.pid").exists():
            os.kill(self.postmaster_pid(), signal.SIGCONT)

    def connect(self, dbname: str = "postgres") -> Any:
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=10)
        conn.autocommit = True
        return conn

    def create_database(self, dbname: str, *, migrated: bool = True) -> str:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            conn.close()
        url = self.url(dbname)
        if migrated:
            migrate(url)
        return url


def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.05) -> None:
    """A guard against hanging forever, not a speed check."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(step)
