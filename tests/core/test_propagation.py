"""One trace across processes and hosts: ``TRACEPARENT`` for subprocesses, W3C headers for remote steps."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from opentelemetry import context, trace

from mltrace_otel import child_env, component_run, context_from_env, context_from_headers, inject_headers
from tests.core.conftest import Store
from tests.core.subprocesses import ROOT, python_env

CHILD = textwrap.dedent(
    """
    import sys
    from mltrace_otel import component_run
    with component_run("child_step", inputs=["parent.csv"], outputs=[f"child-{sys.argv[1]}.csv"]):
        pass
    """
)


def test_a_subprocess_started_with_child_env_joins_the_trace_and_the_lineage(store: Store) -> None:
    with component_run("parent_step", outputs=["parent.csv"]) as parent:
        pass
    with component_run("orchestrate") as orchestrator:
        env = child_env(python_env(store.url))
        assert env["TRACEPARENT"].split("-")[:3] == ["00", orchestrator.trace_id, orchestrator.id]
        for shard in range(2):
            subprocess.run([sys.executable, "-c", CHILD, str(shard)], cwd=ROOT, env=env, check=True, timeout=120)
    children = store.runs("child_step")
    assert len(children) == 2
    for child in children:
        assert child.trace_id == orchestrator.trace_id
        assert child.parent_id == orchestrator.id
        assert store.dependencies(child.id) == {parent.id}


def test_child_env_without_an_active_span_carries_no_stale_traceparent(store: Store) -> None:
    env = child_env({"TRACEPARENT": "00-" + "1" * 32 + "-" + "2" * 16 + "-01", "PATH": "/bin"})
    assert "TRACEPARENT" not in env
    assert env["PATH"] == "/bin"


def test_a_process_started_with_traceparent_puts_its_runs_in_that_trace(store: Store) -> None:
    trace_id, span_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    env = python_env(store.url, TRACEPARENT=f"00-{trace_id}-{span_id}-01")
    subprocess.run([sys.executable, "-c", CHILD, "0"], cwd=ROOT, env=env, check=True, timeout=120)
    run = store.only_run("child_step")
    assert (run.trace_id, run.parent_id) == (trace_id, span_id)


def test_a_malformed_traceparent_is_ignored_and_a_new_trace_starts(store: Store) -> None:
    assert context_from_env({"TRACEPARENT": "not-a-traceparent"}) is None
    assert context_from_env({}) is None
    env = python_env(store.url, TRACEPARENT="00-zz-yy-01")
    subprocess.run([sys.executable, "-c", CHILD, "0"], cwd=ROOT, env=env, check=True, timeout=120)
    run = store.only_run("child_step")
    assert run.parent_id is None and len(run.trace_id) == 32


def test_headers_carry_the_run_to_a_remote_step(store: Store) -> None:
    with component_run("client_step") as client:
        headers = inject_headers({"content-type": "application/json"})
    assert headers["traceparent"].split("-")[1:3] == [client.trace_id, client.id]
    # The remote side (another host, say an inference service) continues the trace from the headers it got.
    token = context.attach(context_from_headers({"Traceparent": headers["traceparent"]}))
    try:
        with component_run("remote_step") as remote:
            assert trace.get_current_span().get_span_context().trace_id == int(client.trace_id, 16)
    finally:
        context.detach(token)
    stored = store.only_run("remote_step")
    assert stored.id == remote.id
    assert (stored.trace_id, stored.parent_id) == (client.trace_id, client.id)


def test_an_active_span_in_the_process_wins_over_the_environment(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEPARENT", "00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    with component_run("outer") as outer, component_run("inner") as inner:
        pass
    assert store.only_run("inner").parent_id == outer.id
    assert store.only_run("outer").trace_id == "1" * 32  # the outermost run joined the inherited trace
    assert inner.trace_id == outer.trace_id
