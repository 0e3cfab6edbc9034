"""Three ``mltrace serve`` processes on one private Postgres database, and a round-robin OTLP "load balancer".

The database lives on the shared server (never stopped here); its name starts with the test session's prefix, so
a session killed before its clean-up leaves nothing the next session does not drop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from sqlalchemy import create_engine, text

from tests.browser.server import free_port
from tests.conftest import PG_DBNAME, pg_url

REPO = Path(__file__).resolve().parents[2]
MLTRACE = Path(sys.executable).with_name("mltrace")

# Every DDL statement run in the database, recorded as it happens: three servers migrating one database must
# create each table exactly once.
DDL_LOG = """
CREATE TABLE ddl_log (command_tag text NOT NULL, object_identity text, pid int NOT NULL DEFAULT pg_backend_pid());
CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ddl_log (command_tag, object_identity)
  SELECT command_tag, object_identity FROM pg_event_trigger_ddl_commands();
END $$;
CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl();
"""


@contextmanager
def private_database() -> Iterator[str]:
    """A new, empty (unmigrated) database with a DDL log, dropped afterwards."""
    name = f"{PG_DBNAME}_replicas_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        setup = create_engine(pg_url(name))
        with setup.begin() as conn:
            conn.exec_driver_sql(DDL_LOG)
        setup.dispose()
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Replica:
    port: int
    database_url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MLTRACE_POLL_INTERVAL_S": "0.2"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(MLTRACE), "serve", "--port", str(self.port), "--database-url", self.database_url],
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica on {self.port} exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica on {self.port} did not answer within {timeout_s} s:\n{self.log_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, requests in flight die with it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def replicas(database_url: str, logs: Path, count: int = 3) -> Iterator[list[Replica]]:
    """``count`` servers started at the same moment on one database (they migrate it together)."""
    started = [Replica(free_port(), database_url, logs / f"replica-{i}.log") for i in range(count)]
    try:
        for replica in started:
            replica.start()
        for replica in started:
            replica.wait_healthy()
        yield started
    finally:
        for replica in started:
            replica.stop()


@dataclass
class RoundRobin:
    """What a load balancer in front of the replicas does: each request to the next replica; a replica that
    refuses the connection, drops it or answers a retryable status is skipped and the request goes to the next."""

    replicas: Sequence[Replica]
    turn: int = 0
    delivered: dict[int, int] = field(default_factory=dict)  # replica port -> requests it acknowledged
    failovers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)  # senders share it from several threads

    def _next(self) -> Replica:
        with self.lock:
            self.turn += 1
            return self.replicas[(self.turn - 1) % len(self.replicas)]

    def send(self, spans: Sequence[ReadableSpan], patience_s: float = 60.0) -> None:
        body = encode_spans(spans).SerializeToString()
        deadline = time.monotonic() + patience_s
        while True:
            replica = self._next()
            request = urllib.request.Request(
                f"{replica.url}/v1/traces", data=body, headers={"Content-Type": "application/x-protobuf"}
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    if response.status == 200:
                        with self.lock:
                            self.delivered[replica.port] = self.delivered.get(replica.port, 0) + 1
                        return
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 502, 503, 504):
                    raise
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            with self.lock:
                self.failovers += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"no replica took a batch of {len(spans)} spans within {patience_s} s")
