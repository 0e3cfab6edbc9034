"""The run ``mltrace run`` records around a command: its ids, its span record, and storing it.

The run is one span built here, not through a TracerProvider: its ids must exist before the command starts (the
command gets them as ``TRACEPARENT``), and it is stored synchronously once the command ended, so it is in the store
(or in the server's) before ``mltrace run`` exits, however slow the store is. Local stores get it through the
one ingest path; ``--server`` posts it as OTLP/JSON to ``/v1/traces`` (standard library only: nothing beyond the
base install is needed). A run that cannot be stored is written to ``$MLTRACE_HOME/unsent-runs.jsonl`` and the
user is told how to load it (``mltrace db import``).
"""

from __future__ import annotations

import glob
import json
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mltrace_otel import semconv
from mltrace_otel.cli.child_process import CommandResult, signal_name
from mltrace_otel.config import ConfigError
from mltrace_otel.otlp_json import export_request
from mltrace_otel.span_record import SpanRecord

# How long storing the run may take before it is saved to the unsent file instead (a frozen database must not
# hold a pipeline for ever); MLTRACE_RUN_STORE_TIMEOUT_S overrides it.
STORE_TIMEOUT_S = 60.0
SCOPE = {"name": "mltrace_otel.cli.run", "version": None}


@dataclass(frozen=True)
class RunIds:
    trace_id: str
    span_id: str
    parent_span_id: str | None

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-01"


def new_run_ids(env: dict[str, str]) -> RunIds:
    """Fresh ids; a ``TRACEPARENT`` we were started with makes the run a child in that trace."""
    from opentelemetry import trace

    from mltrace_otel.instrument.propagation import context_from_env

    rng = random.SystemRandom()
    span_id = f"{rng.getrandbits(64) or 1:016x}"
    ctx = context_from_env(env)
    if ctx is not None:
        parent = trace.get_current_span(ctx).get_span_context()
        return RunIds(f"{parent.trace_id:032x}", span_id, f"{parent.span_id:016x}")
    return RunIds(f"{rng.getrandbits(128) or 1:032x}", span_id, None)


def expand_globs(patterns: Sequence[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        found.extend(sorted(glob.glob(pattern, recursive=True)))
    return found


def file_states(patterns: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file matching ``patterns`` now: what the output globs compare against afterwards."""
    states: dict[str, tuple[int, int]] = {}
    for path in expand_globs(patterns):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        states[path] = (stat.st_mtime_ns, stat.st_size)
    return states


def changed_files(patterns: Sequence[str], before: dict[str, tuple[int, int]]) -> list[str]:
    """Matches that appeared, or whose contents changed (mtime or size), while the command ran."""
    after = file_states(patterns)
    return [path for path, state in after.items() if before.get(path) != state]


def status_of(result: CommandResult) -> tuple[str, str | None]:
    """The run's status code and message: failed when the command failed or a signal stopped it."""
    if result.spawn_error:
        return "ERROR", f"could not start the command: {result.spawn_error}"
    parts: list[str] = []
    if result.signals:
        names = ", ".join(dict.fromkeys(signal_name(s) for s in result.signals))
        parts.append(f"interrupted by {names}")
    if result.returncode < 0:
        parts.append(f"killed by {signal_name(-result.returncode)}")
    elif result.returncode != 0 or result.signals:
        parts.append(f"exit status {result.returncode}")
    if not parts:
        return "OK", None
    message = "; ".join(parts)
    if result.stderr_tail:
        message += f"\n{result.stderr_tail}"
    return "ERROR", message


def build_record(
    ids: RunIds,
    component: str,
    argv: Sequence[str],
    result: CommandResult,
    *,
    inputs: Sequence[str],
    outputs: Sequence[str],
    tags: Sequence[str],
    git: tuple[str | None, tuple[str, ...]],
    cwd: str,
) -> SpanRecord:
    status, message = status_of(result)
    attributes: dict[str, object] = {
        semconv.COMPONENT: component,
        semconv.INPUTS: list(dict.fromkeys(inputs)),
        semconv.OUTPUTS: list(dict.fromkeys(outputs)),
        "process.command_args": list(argv),
        "process.working_directory": cwd,
        "process.exit.code": result.exit_status,
    }
    if tags:
        attributes[semconv.TAGS] = list(dict.fromkeys(tags))
    if git[0]:
        attributes[semconv.GIT_HASH] = git[0]
        if git[1]:
            attributes[semconv.GIT_TAGS] = list(git[1])
    if result.pid is not None:
        attributes["process.pid"] = result.pid
    if result.signals:
        attributes["mltrace.run.signals"] = [signal_name(s) for s in dict.fromkeys(result.signals)]
    return SpanRecord(
        trace_id=ids.trace_id,
        span_id=ids.span_id,
        parent_span_id=ids.parent_span_id,
        name=component,
        kind="INTERNAL",
        start_ns=result.start_ns,
        end_ns=max(result.end_ns, result.start_ns),
        status_code=status,
        status_message=message,
        attributes=attributes,
        resource={
            "service.name": os.environ.get("OTEL_SERVICE_NAME") or "mltrace-run",
            "host.name": socket.gethostname(),
        },
        scope=dict(SCOPE),
    )


# ---- storing ---------------------------------------------------------------------------------------------------


class NotStored(Exception):
    """The run could not be stored; the message says why."""


def store_timeout_s() -> float:
    raw = os.environ.get("MLTRACE_RUN_STORE_TIMEOUT_S")
    if not raw:
        return STORE_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"MLTRACE_RUN_STORE_TIMEOUT_S={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ConfigError(f"MLTRACE_RUN_STORE_TIMEOUT_S={raw!r} must be positive")
    return value


def store_in_database(record: SpanRecord, database_url: str | None, deadline: float) -> None:
    """Through the one ingest path; transient errors (locked, connection lost) are retried until ``deadline``."""
    from mltrace_otel.store.engine import get_engine
    from mltrace_otel.store.ingest import ingest_spans

    delay = 0.2
    while True:
        try:
            result = ingest_spans(get_engine(database_url), [record])
        except ConfigError:
            raise
        except Exception as exc:
            if time.monotonic() + delay > deadline:
                raise NotStored(f"{type(exc).__name__}: {_first_line(exc)}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        if result.rejected:
            raise NotStored(result.rejected[0].reason)
        return


def traces_endpoint(server: str) -> str:
    base = server.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def store_on_server(record: SpanRecord, server: str, deadline: float) -> None:
    """POST the run as OTLP/JSON; 429/502/503/504 and connection errors are retried (honouring Retry-After)."""
    body = json.dumps(export_request([record])).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    token = os.environ.get("MLTRACE_INGEST_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = traces_endpoint(server)
    delay = 0.5
    while True:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        retry_after: float | None = None
        try:
            with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.monotonic())) as answer:
                reply = json.loads(answer.read() or b"{}")
            partial = reply.get("partialSuccess") or {}
            if int(partial.get("rejectedSpans") or 0):
                raise NotStored(f"the server rejected the run: {partial.get('errorMessage') or 'no reason given'}")
            return
        except urllib.error.HTTPError as exc:
            detail = _server_message(exc)
            if exc.code not in (429, 502, 503, 504):
                raise NotStored(f"{url} answered {exc.code}: {detail}") from None
            retry_after = _seconds(exc.headers.get("Retry-After"))
            problem = f"{url} answered {exc.code}: {detail}"
        except (urllib.error.URLError, OSError) as exc:
            problem = f"cannot reach {url}: {getattr(exc, 'reason', exc)}"
        wait = retry_after if retry_after is not None else delay
        if time.monotonic() + wait > deadline:
            raise NotStored(problem)
        time.sleep(wait)
        delay = min(delay * 2, 5.0)


def _server_message(exc: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(exc.read() or b"{}")
    except ValueError:
        return exc.reason or ""
    return str(payload.get("message") or exc.reason or "")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def store_within(store: Callable[[float], None], timeout_s: float, wait: Callable[[float], object]) -> None:
    """Run ``store(deadline)`` on a worker thread and wait for it, at most ``timeout_s`` (plus its own last try).

    ``wait`` is how the caller waits (it takes held signals meanwhile); a worker thread also means a database
    that froze mid-statement cannot keep ``mltrace run`` from exiting.
    """
    deadline = time.monotonic() + timeout_s
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            store(deadline)
            outcome.append(None)
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    worker = threading.Thread(target=work, name="mltrace-run-store", daemon=True)
    worker.start()
    while worker.is_alive() and time.monotonic() < deadline + 5.0:
        wait(0.2)
        worker.join(0.0)
    if worker.is_alive():
        raise NotStored(f"the store did not answer within {timeout_s:g} s (MLTRACE_RUN_STORE_TIMEOUT_S)")
    error = outcome[0] if outcome else NotStored("storing stopped without an answer")
    if error is not None:
        raise error


def unsent_path() -> Path:
    home = Path(os.environ.get("MLTRACE_HOME", Path.home() / ".mltrace"))
    return home / "unsent-runs.jsonl"


def save_unsent(record: SpanRecord) -> Path:
    """Append the run to the unsent file (OTLP/JSON lines, what ``mltrace db import`` reads)."""
    path = unsent_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(export_request([record]), ensure_ascii=False) + "\n")
    return path
