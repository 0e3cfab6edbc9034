"""Runs recorded in ``multiprocessing`` workers are stored: those processes exit without exit handlers
(``Pool.__exit__`` terminates them), so nothing may wait in a queue for a flush that never comes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.conftest import Store
from tests.core.subprocesses import python_env

POOL_PIPELINE = """
import multiprocessing as mp
import os
import sys

import mltrace_otel
from mltrace_otel import register


@register("shard", input_vars=["raw"], output_vars=["clean"])
def shard(i):
    raw = f"raw-{i}.csv"
    clean = f"clean-{i}.csv"
    return os.getpid()


@register("train", input_vars=["files"], output_vars=["model"])
def train(files):
    model = "model.pkl"


if __name__ == "__main__":
    url, method = sys.argv[1], sys.argv[2]
    mltrace_otel.configure(url)
    mltrace_otel.get_recent_run_ids()  # the parent holds a pooled connection when it forks
    ctx = mp.get_context(method)
    with ctx.Pool(3) as pool:
        pids = set(pool.map(shard, range(12)))
    assert os.getpid() not in pids
    train([f"clean-{i}.csv" for i in range(12)])
    trace = mltrace_otel.backtrace("model.pkl")
    print(len(trace))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_runs_in_pool_workers_are_stored_and_linked(db_url: str, method: str, tmp_path: Path) -> None:
    script = tmp_path / "pool_pipeline.py"
    script.write_text(POOL_PIPELINE)
    # spawn workers start fresh interpreters: they find the store through the environment, as mltrace's did.
    done = subprocess.run(
        [sys.executable, str(script), db_url, method],
        env=python_env(db_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "13"
    store = Store(db_url)
    assert len(store.runs("shard")) == 12
    (train,) = store.runs("train")
    assert len(store.dependencies(train.id)) == 12
