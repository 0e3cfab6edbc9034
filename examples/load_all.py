"""Run every example pipeline into one store, so the UI, the CLI and the API have something to show.

    python -m examples.load_all [--database-url URL] [--data-dir DIR]

``make run`` calls this before starting the server. Each run adds history (running it twice shows staleness).
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Callable
from pathlib import Path

import mltrace_otel
from examples.common import DEFAULT_DATA_ROOT
from mltrace_otel.config import database_url as resolve_database_url


def _examples(url: str, data_root: Path) -> list[tuple[str, Callable[[], object]]]:
    from examples import fan_in, industry_ml, plain_otel

    store = ["--database-url", url]
    found: list[tuple[str, Callable[[], object]]] = [
        ("industry_ml", lambda: industry_ml.main([*store, "--data-dir", str(data_root / "industry_ml")])),
        ("plain_otel", lambda: plain_otel.main([*store, "--data-dir", str(data_root / "plain_otel")])),
        ("fan_in", lambda: fan_in.main([*store, "--data-dir", str(data_root / "fan_in")])),
    ]
    # Written alongside these; included when present. Last: it shuts its tracing down when done.
    if importlib.util.find_spec("examples.multiprocess") is not None:
        from examples import multiprocess

        workdir = str(data_root / "multiprocess")
        found.append(("multiprocess", lambda: multiprocess.main([*store, "--workdir", workdir])))
    return found


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="the store (default: the configured one)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_ROOT, help="root of the examples' data files")
    args = parser.parse_args(argv)
    url = resolve_database_url(args.database_url)
    ran = []
    for name, run in _examples(url, args.data_dir):
        print(f"== {name}")
        run()
        ran.append(name)
    mltrace_otel.flush()
    print(f"Loaded {len(ran)} example pipelines into {url}. Try: mltrace recent")
    return ran


if __name__ == "__main__":
    main()
