"""A pipeline process for the fault suite: ``python -m tests.faults.pipelines --runs N ...``.

It records N component runs with the public API (``mltrace_otel.component_run``), each writing its own output
and reading the previous one, at a given rate; some may be made poison on purpose. With ``--outputs`` each run
also logs an output value (``log_output``) and then its feedback, and ``--batch`` adds one ``log_outputs`` and
``log_feedbacks`` of that many values at the end. Then it ends the way the
scenario asks: normally (exit handlers run), ``os._exit`` after a delay, or SIGKILL of itself right after its
last run. Before ending it prints one JSON line: how many runs it logged, and (when asked to flush) the flush
result and ``export_status()``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.0, help="runs per second; 0: a tight loop")
    parser.add_argument("--prefix", default="run")
    parser.add_argument("--poison", default="", help="run numbers named 'poison-...' (a test trigger refuses them)")
    parser.add_argument("--bigkey", type=int, default=-1, help="run with a 2 KB component name and a 2 KB tag")
    parser.add_argument("--surrogate", type=int, default=-1, help="run whose output name has a lone surrogate")
    parser.add_argument("--outputs", action="store_true", help="each run logs an output, then its feedback")
    parser.add_argument("--batch", type=int, default=0, help="then log_outputs and log_feedbacks of this many values")
    parser.add_argument("--bad-output", type=int, default=-1, help="run whose output id has a lone surrogate")
    parser.add_argument("--end", choices=("normal", "os_exit", "sigkill"), default="normal")
    parser.add_argument("--end-delay", type=float, default=0.0)
    parser.add_argument("--flush-ms", type=int, default=-1, help="flush with this timeout before ending")
    args = parser.parse_args()

    import mltrace_otel

    mltrace_otel.configure()
    poison = {int(i) for i in args.poison.split(",") if i}
    started = time.monotonic()
    logged = 0
    for i in range(args.runs):
        component = f"{args.prefix}-step"
        tags: list[str] = []
        output = f"{args.prefix}/out-{i}"
        if i in poison:
            component = f"poison-{args.prefix}"
        if i == args.bigkey:
            component, tags = "c" * 2_048, ["t" * 2_048]
        if i == args.surrogate:
            output = f"{args.prefix}/bad-\udcff-name.csv"
        inputs = [f"{args.prefix}/out-{i - 1}"] if i else []
        with mltrace_otel.component_run(component, inputs=inputs, outputs=[output], tags=tags):
            if args.outputs:
                output_id = f"{args.prefix}-bad-\udcff-{i}" if i == args.bad_output else f"{args.prefix}-{i}"
                mltrace_otel.log_output(f"{args.prefix}-task", i % 2, output_id)
        if args.outputs:
            mltrace_otel.log_feedback(f"{args.prefix}-task", 1, output_id)
        logged += 1
        if args.rate:
            delay = started + (i + 1) / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    if args.batch:
        ids = [f"{args.prefix}-batch-{i}" for i in range(args.batch)]
        mltrace_otel.log_outputs(f"{args.prefix}-task", [i / args.batch for i in range(args.batch)], ids)
        mltrace_otel.log_feedbacks(f"{args.prefix}-task", [1] * args.batch, ids)
    if args.end == "sigkill":  # the harshest end: nothing after the last run's block gets to run
        print(json.dumps({"logged": logged}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    report: dict[str, object] = {"logged": logged, "seconds": round(time.monotonic() - started, 2)}
    if args.flush_ms >= 0:
        report["flush"] = mltrace_otel.flush(args.flush_ms)
        report["status"] = mltrace_otel.export_status().as_dict()
    print(json.dumps(report), flush=True)
    if args.end == "os_exit":
        time.sleep(args.end_delay)
        os._exit(0)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
