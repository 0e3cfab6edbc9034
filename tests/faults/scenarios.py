"""The fault scenarios: real pipeline processes against private Postgres clusters (and SQLite files), with the
store stopped, frozen or refusing spans and processes killed at chosen moments.

Each scenario returns what its pipelines logged and what the store holds afterwards. Scenarios are independent
(own cluster or own database, own ``MLTRACE_HOME``), so :class:`ScenarioRunner` runs those a session selected
side by side: most of their time is spent waiting for an outage to end, not computing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from mltrace_otel.delivery.spool import segment_paths
from tests.faults.cluster import Cluster, ClusterFactory, free_port, migrate, wait_until
from tests.helpers import refuse_spans

ROOT = Path(__file__).resolve().parents[2]
PIPELINE_GUARD_S = 600  # a guard against hanging forever, not a speed check
# A process that comes after a failure and should store what the earlier one left: it may wait at exit for as
# long as that takes (by default it waits 5 s and leaves the rest to the next one; on a busy machine, 5 s may
# not be enough for thousands of spans, and the test would depend on the machine's speed).
PATIENT = {"MLTRACE_EXIT_TIMEOUT_S": "120"}
_INHERITED_NOISE = ("MLTRACE_DATABASE_URL", "DB_URI", "DB_SERVER", "TRACEPARENT", "OTEL_TRACES_EXPORTER")


@dataclass
class Outcome:
    scenario: str
    logged: int
    stored: int  # distinct runs of the scenario's pipelines in the store
    run_rows: int  # rows in spans for them (more than `stored` would be duplicates)
    duplicate_io_rows: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pipeline:
    returncode: int
    report: dict[str, Any]
    stderr: str
    seconds: float
    exit_seconds: float  # from its last line of output (its work done) to the end of the process


class _Running:
    """A pipeline process whose output lines are timestamped as they arrive (stderr goes to a file)."""

    def __init__(self, process: subprocess.Popen[str], stderr_path: Path) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.started = time.monotonic()
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line))

    def poll(self) -> int | None:
        return self.process.poll()


class Context:
    """What a scenario gets: clusters, a directory of its own, and helpers to run and count pipelines."""

    def __init__(self, runner: ScenarioRunner, name: str) -> None:
        self.runner = runner
        self.name = name
        self.dir = runner.base / name.replace("[", "-").replace("]", "")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.home = self.dir / "home"

    def cluster(self, label: str) -> Cluster:
        return self.runner.clusters.new(f"{self.dir.name}-{label}")

    def private_store(self) -> tuple[Cluster, str]:
        """A cluster of this scenario's own, started, with a migrated store on it: free to stop or freeze."""
        cluster = self.cluster("pg")
        cluster.start()
        return cluster, cluster.create_database("store")

    def database(self, backend: str) -> str:
        """A fresh, migrated store: SQLite in this scenario's directory, or a database on the shared steady
        cluster (which no scenario stops)."""
        if backend == "sqlite":
            url = f"sqlite:///{self.dir / 'store.db'}"
            migrate(url)
            return url
        return self.runner.steady().create_database(self.dir.name.replace("-", "_"))

    def env(self, url: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _INHERITED_NOISE}
        env.update(PYTHONPATH=str(ROOT), MLTRACE_HOME=str(self.home), MLTRACE_DATABASE_URL=url, **extra)
        return env

    def start(self, url: str, *args: str, **env: str) -> _Running:
        stderr_path = self.dir / f"stderr-{time.monotonic_ns()}.txt"
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.pipelines", *args],
                cwd=ROOT,
                env=self.env(url, **env),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        return _Running(process, stderr_path)

    def finish(self, running: _Running, timeout: float = PIPELINE_GUARD_S) -> Pipeline:
        """Wait for the pipeline (a guard against hanging forever, not a speed check) and read what it said."""
        try:
            running.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait()
            raise
        ended = time.monotonic()
        running.reader.join(timeout=30)
        reports = [(at, line) for at, line in running.lines if line.startswith("{")]
        report = json.loads(reports[-1][1]) if reports else {}
        last_line_at = reports[-1][0] if reports else ended
        return Pipeline(
            running.process.returncode,
            report,
            running.stderr_path.read_text(),
            round(ended - running.started, 2),
            round(ended - last_line_at, 2),
        )

    def run(self, url: str, *args: str, env: dict[str, str] | None = None) -> Pipeline:
        return self.finish(self.start(url, *args, **(env or {})))

    def cli(self, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mltrace_otel.cli.main", "--database-url", url, *args],
            cwd=ROOT,
            env=self.env(url),
            capture_output=True,
            text=True,
            timeout=PIPELINE_GUARD_S,
            check=False,
        )

    def outcome(self, url: str, prefix: str, logged: int, **details: Any) -> Outcome:
        stored, rows, duplicate_io = count(url, prefix)
        return Outcome(self.name, logged, stored, rows, duplicate_io, details)


def count(url: str, prefix: str) -> tuple[int, int, int]:
    """(runs that wrote an output under ``prefix/``, their span rows, duplicated IO rows among them)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ids = f"SELECT DISTINCT span_id FROM run_io WHERE direction = 'out' AND pointer LIKE '{prefix}/%'"
            stored = conn.execute(text(f"SELECT count(*) FROM ({ids}) ids")).scalar_one()
            rows = conn.execute(text(f"SELECT count(*) FROM spans WHERE span_id IN ({ids})")).scalar_one()
            duplicate_io = conn.execute(
                text(
                    "SELECT count(*) FROM (SELECT span_id, direction, pointer FROM run_io "
                    f"WHERE span_id IN ({ids}) GROUP BY span_id, direction, pointer HAVING count(*) > 1) d"
                )
            ).scalar_one()
            return int(stored), int(rows), int(duplicate_io)
    finally:
        engine.dispose()


Scenario = Callable[[Context], Outcome]
SCENARIOS: dict[str, Scenario] = {}


def scenario(*names: str) -> Callable[[Callable[[Context, str], Outcome]], Callable[[Context, str], Outcome]]:
    """Register a scenario once per backend: ``name[sqlite]``, ``name[postgresql]``."""

    def register(fn: Callable[[Context, str], Outcome]) -> Callable[[Context, str], Outcome]:
        for name in names:
            SCENARIOS[name] = functools.partial(_on_backend, fn, name.split("[")[1].rstrip("]"))
        return fn

    return register


def _on_backend(fn: Callable[[Context, str], Outcome], backend: str, ctx: Context) -> Outcome:
    return fn(ctx, backend)


class ScenarioRunner:
    def __init__(self, clusters: ClusterFactory, base: Path, selected: set[str]) -> None:
        self.clusters = clusters
        self.base = base
        self.selected = [name for name in SCENARIOS if name in selected]
        self._steady: Cluster | None = None
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[Outcome]] = {}
        self.started_at: float | None = None
        self.finished_at: float | None = None

    def steady(self) -> Cluster:
        with self._lock:
            if self._steady is None:
                self._steady = self.clusters.new("steady")
                self._steady.start()
            return self._steady

    def result(self, name: str) -> Outcome:
        with self._lock:
            if self._pool is None:
                self.started_at = time.monotonic()
                names = self.selected or [name]
                self._pool = ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="scenario")
                for each in names:
                    self._futures[each] = self._pool.submit(SCENARIOS[each], Context(self, each))
            if name not in self._futures:
                self._futures[name] = self._pool.submit(SCENARIOS[name], Context(self, name))
        outcome = self._futures[name].result(timeout=PIPELINE_GUARD_S * 2)
        self.finished_at = time.monotonic()
        return outcome

    def outcomes(self) -> list[Outcome]:
        done = []
        for future in self._futures.values():
            if future.done() and future.exception() is None:
                done.append(future.result())
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


# ---- the table of issue 10 -----------------------------------------------------------------------------------


@scenario("postgres_stopped_20s_at_50_runs_per_s[postgresql]")
def postgres_stopped_20s(ctx: Context, backend: str) -> Outcome:
    cluster, url = ctx.private_store()
    process = ctx.start(url, "--runs", "2000", "--rate", "50", "--prefix", "s20")
    time.sleep(5)
    cluster.stop()
    time.sleep(20)
    cluster.start()
    pipeline = ctx.finish(process)
    return ctx.outcome(url, "s20", pipeline.report.get("logged", 0), returncode=pipeline.returncode,
                       stderr=pipeline.stderr)  # fmt: skip


@scenario("outage_60s_pipeline_ends_during_it[postgresql]")
def outage_60s(ctx: Context, backend: str) -> Outcome:
    cluster, url = ctx.private_store()
    process = ctx.start(url, "--runs", "3000", "--rate", "50", "--prefix", "o60")
    time.sleep(10)
    cluster.stop()
    time.sleep(60)  # the pipeline (60 s) ends while the store is still down: its exit is bounded
    pipeline = ctx.finish(process)
    cluster.start()
    stored_at_exit = count(url, "o60")[0]
    drained = ctx.cli(url, "spool", "drain", "--wait", "120")
    return ctx.outcome(url, "o60", pipeline.report.get("logged", 0), returncode=pipeline.returncode,
                       stderr=pipeline.stderr, stored_before_drain=stored_at_exit,
                       drain_returncode=drained.returncode, drain_output=drained.stdout + drained.stderr)  # fmt: skip


@scenario("down_at_start_up_10s_later[postgresql]")
def down_at_start(ctx: Context, backend: str) -> Outcome:
    cluster, url = ctx.private_store()
    cluster.stop()
    process = ctx.start(url, "--runs", "1000", "--rate", "50", "--prefix", "d10")
    time.sleep(10)
    cluster.start()
    pipeline = ctx.finish(process)
    return ctx.outcome(url, "d10", pipeline.report.get("logged", 0), returncode=pipeline.returncode,
                       stderr=pipeline.stderr)  # fmt: skip


@scenario("2kb_component_and_2kb_tag_among_1000[postgresql]", "2kb_component_and_2kb_tag_among_1000[sqlite]")
def big_key(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    pipeline = ctx.run(url, "--runs", "1000", "--bigkey", "500", "--prefix", "bk", "--flush-ms", "120000")
    return ctx.outcome(url, "bk", pipeline.report["logged"], flush=pipeline.report["flush"],
                       status=pipeline.report["status"])  # fmt: skip


@scenario("lone_surrogate_in_an_output_among_1000[postgresql]", "lone_surrogate_in_an_output_among_1000[sqlite]")
def lone_surrogate(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    pipeline = ctx.run(url, "--runs", "1000", "--surrogate", "500", "--prefix", "sg", "--flush-ms", "120000")
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM io_pointers WHERE name LIKE 'sg/bad-%'")).scalars().all()
    engine.dispose()
    return ctx.outcome(url, "sg", pipeline.report["logged"], flush=pipeline.report["flush"],
                       status=pipeline.report["status"], stored_names=names)  # fmt: skip


def _then_next_process(ctx: Context, url: str, prefix: str, ending: tuple[str, ...]) -> Outcome:
    first = ctx.run(url, "--runs", "2000", "--prefix", prefix, *ending)
    stored_before_next = count(url, prefix)[0]
    second = ctx.run(url, "--runs", "10", "--prefix", f"{prefix}-next", env=PATIENT)
    return ctx.outcome(url, prefix, first.report.get("logged", 0), returncode=first.returncode,
                       stored_before_next=stored_before_next, next_returncode=second.returncode,
                       next_stored=count(url, f"{prefix}-next")[0])  # fmt: skip


@scenario("os_exit_0.6s_after_the_last_run[postgresql]", "os_exit_0.6s_after_the_last_run[sqlite]")
def os_exit(ctx: Context, backend: str) -> Outcome:
    return _then_next_process(ctx, ctx.database(backend), "ox", ("--end", "os_exit", "--end-delay", "0.6"))


@scenario("sigkill_right_after_the_last_run[postgresql]", "sigkill_right_after_the_last_run[sqlite]")
def sigkill(ctx: Context, backend: str) -> Outcome:
    return _then_next_process(ctx, ctx.database(backend), "kill", ("--end", "sigkill"))


@scenario("database_frozen[postgresql]")
def frozen(ctx: Context, backend: str) -> Outcome:
    cluster, url = ctx.private_store()
    cluster.freeze()
    try:
        # MLTRACE_EXIT_TIMEOUT_S at its default (5 s); the old exporter held exit ~30 s.
        pipeline = ctx.run(url, "--runs", "200", "--prefix", "fz")
    finally:
        cluster.thaw()
    stored_at_exit = count(url, "fz")[0]
    nxt = ctx.run(url, "--runs", "0", "--prefix", "fz-next", env=PATIENT)
    return ctx.outcome(url, "fz", pipeline.report.get("logged", 0), returncode=pipeline.returncode,
                       exit_seconds=pipeline.exit_seconds, stderr=pipeline.stderr, stored_at_exit=stored_at_exit,
                       next_returncode=nxt.returncode)  # fmt: skip


@scenario("database_locked_at_exit[sqlite]")
def sqlite_locked(ctx: Context, backend: str) -> Outcome:
    url = ctx.database("sqlite")
    holder = sqlite3.connect(str(ctx.dir / "store.db"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        pipeline = ctx.run(url, "--runs", "200", "--prefix", "lk")
    finally:
        holder.execute("COMMIT")
        holder.close()
    stored_at_exit = count(url, "lk")[0]
    nxt = ctx.run(url, "--runs", "0", "--prefix", "lk-next", env=PATIENT)
    return ctx.outcome(url, "lk", pipeline.report.get("logged", 0), returncode=pipeline.returncode,
                       exit_seconds=pipeline.exit_seconds, stderr=pipeline.stderr, stored_at_exit=stored_at_exit,
                       next_returncode=nxt.returncode)  # fmt: skip


@scenario("burst_of_200000_runs_in_a_tight_loop[postgresql]", "burst_of_200000_runs_in_a_tight_loop[sqlite]")
def burst(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    pipeline = ctx.run(url, "--runs", "200000", "--prefix", "b", "--flush-ms", "600000")
    return ctx.outcome(url, "b", pipeline.report["logged"], flush=pipeline.report["flush"],
                       status=pipeline.report["status"], loop_seconds=pipeline.report["seconds"],
                       total_seconds=pipeline.seconds)  # fmt: skip


# ---- the extra scenarios the issue lists ----------------------------------------------------------------------


@scenario("unreachable_for_a_whole_pipeline_then_the_next_drains_it[postgresql]",
          "unreachable_for_a_whole_pipeline_then_the_next_drains_it[sqlite]")  # fmt: skip
def unreachable_then_next(ctx: Context, backend: str) -> Outcome:
    if backend == "sqlite":
        blocker = ctx.dir / "not-yet"
        blocker.write_text("a file where the store's directory should be")
        url = f"sqlite:///{blocker / 'store.db'}"
        repair: Callable[[], None] = blocker.unlink
    else:
        cluster, url = ctx.private_store()
        cluster.stop()
        repair = cluster.start
    first = ctx.run(url, "--runs", "500", "--prefix", "un")
    repair()
    second = ctx.run(url, "--runs", "500", "--prefix", "un-next", "--flush-ms", "60000", env=PATIENT)
    # The next pipeline's flush waits for its own runs only, so its status may not count the adopted ones yet;
    # what shows it took the first one's spool over is that, once it has exited, no segment is left behind.
    left = [p.name for d in ctx.home.glob("spool/*") for p in segment_paths(d)]
    return ctx.outcome(url, "un", first.report["logged"], first_returncode=first.returncode,
                       first_stderr=first.stderr, next=second.report, next_returncode=second.returncode,
                       segments_left=left, next_stored=count(url, "un-next")[0])  # fmt: skip


@scenario("poison_spans_in_large_batches[postgresql]", "poison_spans_in_large_batches[sqlite]")
def poison(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    engine = create_engine(url)
    refuse_spans(engine, "NEW.component LIKE 'poison-%'", "poison runs are refused here")
    engine.dispose()
    poisoned = "10,2000,2001,5000,7777,9000,9999"
    pipeline = ctx.run(url, "--runs", "10000", "--poison", poisoned, "--prefix", "px", "--flush-ms", "300000")
    rejected_file = next(ctx.home.glob("spool/*/rejected.jsonl"))
    entries = [json.loads(line) for line in rejected_file.read_text().splitlines()]
    return ctx.outcome(url, "px", pipeline.report["logged"], flush=pipeline.report["flush"],
                       status=pipeline.report["status"], rejected_file=entries)  # fmt: skip


@scenario("two_processes_spooling_to_one_store_at_once[postgresql]",
          "two_processes_spooling_to_one_store_at_once[sqlite]")  # fmt: skip
def two_processes(ctx: Context, backend: str) -> Outcome:
    cluster: Cluster | None = None
    if backend == "sqlite":
        url = ctx.database("sqlite")
    else:  # the store is down while both start spooling, then comes back while they run
        cluster, url = ctx.private_store()
        cluster.stop()
    args = ("--runs", "5000", "--rate", "500", "--flush-ms", "120000")
    first = ctx.start(url, *args, "--prefix", "two")
    second = ctx.start(url, *args, "--prefix", "two-b")
    if cluster is not None:
        time.sleep(4)
        cluster.start()
    a, b = ctx.finish(first), ctx.finish(second)
    logged = a.report.get("logged", 0) + b.report.get("logged", 0)
    outcome = ctx.outcome(url, "two", logged, reports=[a.report, b.report])
    other = count(url, "two-b")
    outcome.stored += other[0]
    outcome.run_rows += other[1]
    outcome.duplicate_io_rows += other[2]
    return outcome


@scenario("server_kill_9_during_otlp_ingest[postgresql]")
def otlp_kill(ctx: Context, backend: str) -> Outcome:
    url = ctx.database("postgresql")
    port = free_port()
    log = (ctx.dir / "server.log").open("a")

    def serve() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "mltrace_otel.cli.main", "serve", "--port", str(port), "--database-url", url],
            cwd=ROOT, env=ctx.env(url), stdout=log, stderr=log,
        )  # fmt: skip
        wait_until(lambda: _healthy(port) or process.poll() is not None, 60, "the server to answer")
        return process

    server = serve()
    sender = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.otlp_sender", f"http://127.0.0.1:{port}/v1/traces", "20000", "ot"],
        cwd=ROOT, env=ctx.env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: count(url, "ot")[0] >= 3_000 or sender.poll() is not None, 120, "ingest to be under way")
        stored_at_kill = count(url, "ot")[0]
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        server = serve()
        stdout, stderr = sender.communicate(timeout=PIPELINE_GUARD_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signal.SIGTERM)
        server.wait(30)
        log.close()
    report = json.loads(stdout.splitlines()[-1]) if stdout.strip() else {}
    return ctx.outcome(url, "ot", report.get("sent", 0), stored_at_kill=stored_at_kill, sender=report,
                       sender_stderr=stderr[-2000:])  # fmt: skip


def _healthy(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


# ---- outputs and feedback (issue 16): the same delivery as spans, the same faults ------------------------------


def count_observations(url: str, task: str) -> tuple[int, int]:
    """(outputs, feedback values) of ``task`` in the store; each is keyed by its output id, so no duplicates."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            outputs = conn.execute(text("SELECT count(*) FROM task_outputs WHERE task = :t"), {"t": task})
            feedback = conn.execute(text("SELECT count(*) FROM task_feedback WHERE task = :t"), {"t": task})
            return int(outputs.scalar_one()), int(feedback.scalar_one())
    finally:
        engine.dispose()


def _observed(ctx: Context, url: str, prefix: str, logged_values: int, **details: Any) -> Outcome:
    """An outcome counting values (outputs + feedback) logged and stored; the runs' counts go in the details."""
    outputs, feedback = count_observations(url, f"{prefix}-task")
    runs, rows, duplicate_io = count(url, prefix)
    return Outcome(ctx.name, logged_values, outputs + feedback, rows, duplicate_io,
                   dict(details, outputs=outputs, feedback=feedback, runs=runs))  # fmt: skip


OUTPUT_ARGS = ("--outputs", "--batch", "20000")  # 2 values per run, then 40,000 in two calls


@scenario("outputs_while_postgres_stopped_4s[postgresql]")
def outputs_postgres_stopped(ctx: Context, backend: str) -> Outcome:
    cluster, url = ctx.private_store()
    process = ctx.start(url, "--runs", "1000", "--rate", "100", *OUTPUT_ARGS, "--prefix", "os", "--flush-ms", "120000")
    # Down once the pipeline is storing (a busy machine may take seconds to start it), for 4 s of its 10 s.
    wait_until(lambda: count_observations(url, "os-task")[0] > 0 or process.poll() is not None, 120, "outputs")
    cluster.stop()
    time.sleep(4)
    cluster.start()
    logged_by_then = len(process.lines)  # 0: the pipeline was still logging when the store came back
    pipeline = ctx.finish(process)
    return _observed(ctx, url, "os", 2 * (pipeline.report.get("logged", 0) + 20_000), returncode=pipeline.returncode,
                     stderr=pipeline.stderr, flush=pipeline.report.get("flush"), status=pipeline.report.get("status"),
                     finished_during_outage=logged_by_then > 0)  # fmt: skip


@scenario("outputs_while_sqlite_locked_3s[sqlite]")
def outputs_sqlite_locked(ctx: Context, backend: str) -> Outcome:
    url = ctx.database("sqlite")
    holder = sqlite3.connect(str(ctx.dir / "store.db"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        process = ctx.start(url, "--runs", "300", "--rate", "100", *OUTPUT_ARGS, "--prefix", "ol", "--flush-ms",
                            "120000")  # fmt: skip
        time.sleep(3)
    finally:
        holder.execute("COMMIT")
        holder.close()
    pipeline = ctx.finish(process)
    return _observed(ctx, url, "ol", 2 * (pipeline.report.get("logged", 0) + 20_000), returncode=pipeline.returncode,
                     stderr=pipeline.stderr, flush=pipeline.report.get("flush"),
                     status=pipeline.report.get("status"))  # fmt: skip


@scenario("outputs_sigkill_right_after_the_last_output[postgresql]",
          "outputs_sigkill_right_after_the_last_output[sqlite]")  # fmt: skip
def outputs_sigkill(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    first = ctx.run(url, "--runs", "300", *OUTPUT_ARGS, "--prefix", "ok", "--end", "sigkill")
    stored_before = sum(count_observations(url, "ok-task"))
    drained = ctx.cli(url, "spool", "drain", "--wait", "120", "--json")
    return _observed(ctx, url, "ok", 2 * (first.report.get("logged", 0) + 20_000), returncode=first.returncode,
                     stored_before_drain=stored_before, drain_returncode=drained.returncode,
                     drain=json.loads(drained.stdout) if drained.returncode == 0 else drained.stderr)  # fmt: skip


@scenario("a_bad_output_id_among_500[postgresql]", "a_bad_output_id_among_500[sqlite]")
def bad_output(ctx: Context, backend: str) -> Outcome:
    url = ctx.database(backend)
    pipeline = ctx.run(url, "--runs", "500", "--outputs", "--bad-output", "250", "--prefix", "bo", "--flush-ms",
                       "120000")  # fmt: skip
    rejected_file = next(ctx.home.glob("spool/*/rejected.jsonl"), None)
    entries = [json.loads(line) for line in rejected_file.read_text().splitlines()] if rejected_file else []
    return _observed(ctx, url, "bo", 2 * pipeline.report.get("logged", 0), flush=pipeline.report.get("flush"),
                     status=pipeline.report.get("status"), rejected_file=entries)  # fmt: skip
