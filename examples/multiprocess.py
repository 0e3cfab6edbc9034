"""A pipeline whose steps run in separate processes, joined into one trace.

The parent opens a ``pipeline`` run and starts each step as a subprocess with ``env=mltrace_otel.child_env()``,
which carries the current span as ``TRACEPARENT``. A component run that starts with no parent in its own
process joins that trace by itself, so the steps need no tracing code beyond ``component_run``. Two extract
steps run at the same time; ``merge`` reads both of their outputs, ``train`` reads what ``merge`` wrote.

    python examples/multiprocess.py --database-url sqlite:///pipeline.db --workdir /tmp/pipeline

Afterwards ``mltrace trace <workdir>/model.json`` shows the lineage, and the UI shows one trace spanning
all five processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import mltrace_otel

SHARDS = ("a", "b")


def extract(workdir: Path, shard: str) -> None:
    out = workdir / f"raw-{shard}.csv"
    with mltrace_otel.component_run("multiprocess/extract", outputs=[str(out)], tags=["multiprocess"]):
        rows = [f"{shard}{i},{i * (2 if shard == 'a' else 3)}" for i in range(1, 6)]
        out.write_text("id,value\n" + "\n".join(rows) + "\n")


def merge(workdir: Path) -> None:
    inputs = [workdir / f"raw-{shard}.csv" for shard in SHARDS]
    out = workdir / "merged.csv"
    with mltrace_otel.component_run("multiprocess/merge", inputs=[str(p) for p in inputs], outputs=[str(out)]):
        lines = [line for p in inputs for line in p.read_text().splitlines()[1:]]
        out.write_text("id,value\n" + "\n".join(sorted(lines)) + "\n")


def train(workdir: Path) -> None:
    data, model = workdir / "merged.csv", workdir / "model.json"
    with mltrace_otel.component_run("multiprocess/train", inputs=[str(data)], outputs=[str(model)]):
        values = [float(line.split(",")[1]) for line in data.read_text().splitlines()[1:]]
        model.write_text(json.dumps({"mean": sum(values) / len(values), "n": len(values)}))


def run_step(args: argparse.Namespace) -> None:
    """Inside a child process: record one step (TRACEPARENT makes it part of the parent's trace)."""
    mltrace_otel.configure(args.database_url, service_name=f"step-{args.step}")
    workdir = Path(args.workdir)
    if args.step == "extract":
        extract(workdir, args.shard)
    elif args.step == "merge":
        merge(workdir)
    else:
        train(workdir)
    mltrace_otel.shutdown()  # flush before the process exits


def step_command(args: argparse.Namespace, step: str) -> list[str]:
    return [sys.executable, __file__, "--database-url", args.database_url, "--workdir", args.workdir, "--step", step]


def run_pipeline(args: argparse.Namespace) -> str:
    """In the parent: one ``pipeline`` run, steps in subprocesses (the extracts in parallel). Returns the trace id."""
    mltrace_otel.configure(args.database_url, service_name="pipeline")
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with mltrace_otel.component_run("multiprocess/pipeline", tags=["multiprocess"]) as pipeline:
        env = mltrace_otel.child_env()  # TRACEPARENT = the pipeline run
        extracts = [subprocess.Popen([*step_command(args, "extract"), "--shard", shard], env=env) for shard in SHARDS]
        if any(p.wait() != 0 for p in extracts):
            raise SystemExit("an extract step failed")
        for step in ("merge", "train"):
            subprocess.run(step_command(args, step), env=env, check=True)
    mltrace_otel.shutdown()
    return pipeline.trace_id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite:///multiprocess.db", help="the mltrace-otel store")
    parser.add_argument("--workdir", default="multiprocess-data", help="where the steps write their files")
    parser.add_argument("--step", choices=["extract", "merge", "train"], help=argparse.SUPPRESS)
    parser.add_argument("--shard", default="a", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        run_step(args)
        return
    trace_id = run_pipeline(args)
    print(f"pipeline trace {trace_id}: lineage with `mltrace trace {Path(args.workdir) / 'model.json'}`")


if __name__ == "__main__":
    main()
