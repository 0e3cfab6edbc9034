"""Every benchmark, one after the other: ``make bench`` (or ``python -m benchmarks.run_all``).

Each prints its own table of ratios measured in the same run; see the module docstrings for what they measure.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

MODULES = [
    "benchmarks.core_bench",
    "benchmarks.graphql_bench",
    "benchmarks.otlp_ingest",
    "benchmarks.ui_bench",
    "benchmarks.store_copy_bench",
]


def main() -> int:
    failed = []
    for name in MODULES:
        if importlib.util.find_spec(name) is None:
            print(f"\n=== {name}: not present, skipped")
            continue
        print(f"\n=== {name}", flush=True)
        start = time.perf_counter()
        # A process each: benchmarks configure global OTel state and must not see each other's.
        if subprocess.run([sys.executable, "-m", name], check=False).returncode != 0:
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - start:.0f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
