"""`mltrace run`: any command recorded as a run, in a real process of its own (signals need one)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.queries.records import Run
from mltrace_otel.queries.runs import recent_runs, trace_spans
from tests.core.subprocesses import ROOT, python_env
from tests.otlp.conftest import running_server

Mltrace = Callable[..., subprocess.CompletedProcess[str]]


def _command(*global_args: str) -> list[str]:
    return [sys.executable, "-m", "mltrace_otel.cli.main", *global_args]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture
def mltrace(db_url: str, workdir: Path) -> Mltrace:
    """``mltrace --database-url <store> ARGS`` in ``workdir``, to its end."""

    def run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command("--database-url", db_url), *args],
            cwd=workdir,
            env=python_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


def _runs(engine: Engine) -> list[Run]:
    with engine.connect() as conn:
        return list(recent_runs(conn, 100).items)


def _only_run(engine: Engine, component: str) -> Run:
    found = [r for r in _runs(engine) if r.component == component]
    assert len(found) == 1, [r.component for r in _runs(engine)]
    return found[0]


def _script(workdir: Path, name: str, body: str) -> str:
    path = workdir / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_a_successful_command_is_an_ok_run_with_its_command_line_and_git_commit(
    mltrace: Mltrace, engine: Engine, workdir: Path
) -> None:
    for args in (["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty",
                                   "-m", "first"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=workdir, check=True, env=python_env(GIT_CONFIG_GLOBAL="/dev/null"))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workdir, capture_output=True, text=True).stdout.strip()
    (workdir / "raw.csv").write_text("a,b\n1,2\n")
    done = mltrace(
        "run", "--component", "clean", "--input", "raw.csv", "--output", "clean.csv", "--tag", "etl",
        "--", "sh", "-c", "grep -v b raw.csv > clean.csv && echo cleaned",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "cleaned\n"  # the command's output passes through untouched
    run = _only_run(engine, "clean")
    assert run.status_code == "OK" and run.status_message is None
    attrs = run.attributes
    assert attrs["mltrace.inputs"] == ["raw.csv"] and attrs["mltrace.outputs"] == ["clean.csv"]
    assert attrs["mltrace.tags"] == ["etl"]
    assert attrs["process.command_args"] == ["sh", "-c", "grep -v b raw.csv > clean.csv && echo cleaned"]
    assert attrs["process.working_directory"] == str(workdir)
    assert attrs["process.exit.code"] == 0
    assert run.git_hash == commit
    assert run.end_ns >= run.start_ns


def test_a_failing_command_keeps_its_exit_status_and_the_tail_of_stderr(
    mltrace: Mltrace, engine: Engine, workdir: Path
) -> None:
    script = _script(
        workdir,
        "fail.py",
        """
        import sys
        for n in range(50):
            print(f"progress line {n}", file=sys.stderr)
        print("ValueError: column 'price' is missing", file=sys.stderr)
        sys.exit(3)
        """,
    )
    done = mltrace("run", "-c", "featurize", "--", sys.executable, script)
    assert done.returncode == 3
    assert "progress line 0\n" in done.stderr  # passed through as it came
    run = _only_run(engine, "featurize")
    assert run.status_code == "ERROR"
    message = run.status_message or ""
    assert message.startswith("exit status 3")
    assert message.endswith("ValueError: column 'price' is missing")
    assert "progress line 49" in message and "progress line 10\n" not in message  # the last lines only
    assert run.attributes["process.exit.code"] == 3


def test_a_command_that_does_not_exist_is_a_failed_run_and_exit_127(mltrace: Mltrace, engine: Engine) -> None:
    done = mltrace("run", "-c", "ghost", "--", "no-such-command-anywhere")
    assert done.returncode == 127
    assert done.stderr.strip().splitlines()[-1].startswith("Error: could not start 'no-such-command-anywhere'")
    run = _only_run(engine, "ghost")
    assert run.status_code == "ERROR" and "could not start the command" in (run.status_message or "")


def test_usage_errors_exit_2_and_record_nothing(mltrace: Mltrace, engine: Engine) -> None:
    missing = mltrace("run", "-c", "x")
    assert missing.returncode == 2 and "give the command to run after `--`" in missing.stderr
    assert mltrace("run", "--", "true").returncode == 2  # no --component
    assert _runs(engine) == []


def test_an_instrumented_command_joins_the_same_trace(mltrace: Mltrace, engine: Engine, workdir: Path) -> None:
    script = _script(
        workdir,
        "train.py",
        """
        import mltrace_otel as mltrace

        @mltrace.register("fit", inputs=["features.parquet"], outputs=["model.pkl"])
        def fit():
            return 1

        fit()
        """,
    )
    done = mltrace("run", "-c", "train-job", "-o", "model.pkl", "--", sys.executable, script, PYTHONPATH=str(ROOT))
    assert done.returncode == 0, done.stderr
    wrapper = _only_run(engine, "train-job")
    child = _only_run(engine, "fit")
    assert child.trace_id == wrapper.trace_id
    assert child.parent_id == wrapper.id
    assert child.start_ns >= wrapper.start_ns and child.end_ns <= wrapper.end_ns
    with engine.connect() as conn:
        assert {s.id for s in trace_spans(conn, wrapper.trace_id)} == {wrapper.id, child.id}


def test_a_traceparent_in_the_environment_makes_the_run_a_child(mltrace: Mltrace, engine: Engine) -> None:
    parent = "00-" + "1f" * 16 + "-" + "2e" * 8 + "-01"
    assert mltrace("run", "-c", "step", "--", "true", TRACEPARENT=parent).returncode == 0
    run = _only_run(engine, "step")
    assert run.trace_id == "1f" * 16 and run.parent_id == "2e" * 8


def test_globs_find_the_inputs_that_existed_and_the_outputs_that_appeared_or_changed(
    mltrace: Mltrace, engine: Engine, workdir: Path
) -> None:
    (workdir / "in").mkdir()
    (workdir / "out").mkdir()
    for name in ("in/a.csv", "in/b.csv", "out/old.csv", "out/rewritten.csv"):
        (workdir / name).write_text("x\n")
    past = time.time() - 3600
    os.utime(workdir / "out/rewritten.csv", (past, past))
    done = mltrace(
        "run", "-c", "split", "--input-glob", "in/*.csv", "--output-glob", "out/**/*.csv",
        "--", "sh", "-c", "mkdir -p out/day && echo 1 > out/day/new.csv && echo 2 > out/rewritten.csv "
        "&& echo 3 > in/c.csv",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    attrs = _only_run(engine, "split").attributes
    assert attrs["mltrace.inputs"] == ["in/a.csv", "in/b.csv"]  # in/c.csv appeared during the run: not read
    assert sorted(attrs["mltrace.outputs"]) == ["out/day/new.csv", "out/rewritten.csv"]  # old.csv untouched


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _signals_as_at_a_terminal() -> None:
    # A job started in the background of a non-interactive shell (some CI runners) inherits SIGINT *ignored*, and
    # so would the command: forwarding could not end it. Start mltrace the way a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(
    ("sent", "trap", "expected_exit"),
    [
        (signal.SIGTERM, False, 128 + signal.SIGTERM),  # the command dies of it: 143, as a shell says
        (signal.SIGTERM, True, 7),  # the command handles it and exits 7: its status is ours
        (signal.SIGINT, False, 128 + signal.SIGINT),  # Python's KeyboardInterrupt ends it by SIGINT: 130
    ],
)
def test_signals_are_forwarded_to_the_command_and_fail_the_run(
    db_url: str, engine: Engine, workdir: Path, sent: signal.Signals, trap: bool, expected_exit: int
) -> None:
    ready, received = workdir / "ready", workdir / "received"
    script = _script(
        workdir,
        "long.py",
        f"""
        import pathlib, signal, sys, time
        def handler(signum, frame):
            pathlib.Path({str(received)!r}).write_text(signal.Signals(signum).name)
            sys.exit(7)
        if {trap!r}:
            signal.signal(signal.SIGTERM, handler)
        pathlib.Path({str(ready)!r}).write_text("ready")
        time.sleep(600)
        """,
    )
    proc = subprocess.Popen(
        [*_command("--database-url", db_url), "run", "-c", "long", "--", sys.executable, script],
        cwd=workdir, env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_signals_as_at_a_terminal,
    )  # fmt: skip
    _wait_for(ready, proc)
    proc.send_signal(sent)  # to mltrace alone, as `kill PID` or a supervisor would
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == expected_exit, stderr
    if trap:
        assert received.read_text() == sent.name  # the command got the signal itself
    run = _only_run(engine, "long")
    assert run.status_code == "ERROR"
    assert (run.status_message or "").startswith(f"interrupted by {sent.name}")
    assert run.attributes["mltrace.run.signals"] == [sent.name]
    assert run.attributes["process.exit.code"] == expected_exit


def test_a_three_step_shell_pipeline_traces_back_through_every_step(mltrace: Mltrace, workdir: Path) -> None:
    steps = [
        ("extract", [], "raw.txt", "echo 3 1 2 > raw.txt"),
        ("sort", ["raw.txt"], "sorted.txt", "tr ' ' '\\n' < raw.txt | sort > sorted.txt"),
        ("report", ["sorted.txt"], "report.txt", "head -1 sorted.txt > report.txt"),
    ]
    for component, inputs, output, shell in steps:
        args = [a for i in inputs for a in ("--input", i)]
        done = mltrace("run", "-c", component, *args, "--output", output, "--", "sh", "-c", shell)
        assert done.returncode == 0, done.stderr
    assert (workdir / "report.txt").read_text() == "1\n"
    traced = mltrace("trace", "report.txt", "--json")
    assert traced.returncode == 0, traced.stderr
    graph = json.loads(traced.stdout)
    by_depth = {graph["depths"][run["id"]]: run["component"] for run in graph["runs"]}
    assert by_depth == {0: "report", 1: "sort", 2: "extract"}
    vias = {run["component"]: [v for d in run["dependencies"] for v in d["via"]] for run in graph["runs"]}
    assert vias == {"report": ["sorted.txt"], "sort": ["raw.txt"], "extract": []}
    text = mltrace("trace", "report.txt").stdout
    assert text.index("report") < text.index("sort") < text.index("extract")


def _hold_write_lock(db_url: str) -> Callable[[], None]:
    """Block writers of the store until the returned function is called."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        return lambda: (conn.execute("COMMIT"), conn.close())  # type: ignore[func-returns-value]
    pg = psycopg2.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
    pg.cursor().execute("LOCK TABLE spans IN EXCLUSIVE MODE")  # reads go on, inserts wait
    return lambda: (pg.commit(), pg.close())  # type: ignore[func-returns-value]


def test_the_run_is_stored_before_mltrace_exits_even_when_the_store_is_slow(
    db_url: str, engine: Engine, workdir: Path
) -> None:
    engine.dispose()
    release = _hold_write_lock(db_url)
    try:
        proc = subprocess.Popen(
            [*_command("--database-url", db_url), "run", "-c", "slow-store", "--", "sh", "-c", "touch done"],
            cwd=workdir, env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _wait_for(workdir / "done", proc)
        time.sleep(1.0)  # time to reach the store and wait on the lock (not asserted: only ordering is)
        assert proc.poll() is None  # the command ended, but its run cannot be written yet: still waiting
    finally:
        release()
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert _only_run(engine, "slow-store").status_code == "OK"  # in the store the moment mltrace exited


def test_server_mode_posts_the_run_over_otlp_with_the_ingest_token(db_url: str, engine: Engine, workdir: Path) -> None:
    from graphql_server.settings import ServerSettings

    with running_server(ServerSettings(database_url=db_url, ingest_token="s3cret")) as base:
        cmd = [*_command("--server", base), "run", "-c", "remote", "-o", "x.csv", "--", "sh", "-c", "exit 4"]
        denied = subprocess.run(cmd, cwd=workdir, env=python_env(), capture_output=True, text=True, timeout=120)
        assert denied.returncode == 4  # the command's status stands, whatever happened to its run
        assert "was not stored" in denied.stderr and "401" in denied.stderr
        done = subprocess.run(
            cmd, cwd=workdir, env=python_env(MLTRACE_INGEST_TOKEN="s3cret"), capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 4, done.stderr
        assert "not stored" not in done.stderr
    run = _only_run(engine, "remote")
    assert run.status_code == "ERROR" and (run.status_message or "").startswith("exit status 4")
    assert run.attributes["mltrace.outputs"] == ["x.csv"]


def test_a_run_that_cannot_be_stored_is_saved_and_imports_later(
    db_url: str, engine: Engine, workdir: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = python_env(MLTRACE_HOME=str(home), MLTRACE_RUN_STORE_TIMEOUT_S="1")
    unreachable = "http://127.0.0.1:9"  # the discard port: nothing answers
    done = subprocess.run(
        [*_command("--server", unreachable), "run", "-c", "offline", "--", "true"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0
    saved = home / "unsent-runs.jsonl"
    assert f"saved to {saved}" in done.stderr and "mltrace db import" in done.stderr
    loaded = subprocess.run(
        [*_command("--database-url", db_url), "db", "import", str(saved)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert _only_run(engine, "offline").status_code == "OK"


def test_lineage_joins_a_wrapped_step_to_a_python_step(mltrace: Mltrace, engine: Engine, workdir: Path) -> None:
    script = _script(
        workdir,
        "load.py",
        """
        import mltrace_otel as mltrace
        with mltrace.component_run("load", inputs=["report.txt"]):
            pass
        """,
    )
    assert mltrace("run", "-c", "report", "-o", "report.txt", "--", "true").returncode == 0
    done = mltrace("run", "-c", "loader", "--", sys.executable, script, PYTHONPATH=str(ROOT))
    assert done.returncode == 0, done.stderr
    load = _only_run(engine, "load")
    with engine.connect() as conn:
        graph = lineage(conn, run_ids=[load.id])
    assert {r.component for r in graph.runs.values()} == {"load", "report"}


def test_ctrl_c_at_a_terminal_reaches_the_command_once(db_url: str, engine: Engine, workdir: Path) -> None:
    """At a terminal the kernel sends Ctrl-C's SIGINT to the whole foreground group, the command included:
    mltrace must not send it a second one (that would cut short the command's own clean-up). With correct code
    the count is always 1; a regression that forwards it shows as 2 in most runs, not all (two SIGINTs pending at
    the same moment merge into one)."""
    import pty

    ready, count = workdir / "ready", workdir / "count"
    script = _script(
        workdir,
        "clean_up.py",
        f"""
        import pathlib, signal
        # Taken with sigtimedwait (not a handler, which would fold two quick deliveries into one call).
        signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGINT}})
        pathlib.Path({str(ready)!r}).write_text("ready")
        received = [signal.sigwaitinfo({{signal.SIGINT}})]
        while signal.sigtimedwait({{signal.SIGINT}}, 1.0) is not None:  # cleaning up: a second SIGINT lands here
            received.append(1)
        pathlib.Path({str(count)!r}).write_text(str(len(received)))
        """,
    )
    env = python_env()
    pid, master = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        os.chdir(workdir)
        os.execve(sys.executable, [*_command("--database-url", db_url), "run", "-c", "tty", "--", sys.executable,
                                   script], env)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline, "the command never started"
            time.sleep(0.02)
        os.write(master, b"\x03")  # Ctrl-C
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(master)
    assert os.waitstatus_to_exitcode(status) == 0  # the command handled it and exited 0: that is our status
    assert count.read_text() == "1"
    run = _only_run(engine, "tty")
    assert run.status_code == "ERROR" and (run.status_message or "").startswith("interrupted by SIGINT")
