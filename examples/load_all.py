"""Run every example pipeline into one store, so the UI, the CLI and the API have something to show.

    python -m examples.load_all [--database-url URL] [--data-dir DIR]
    python -m examples.load_all --demo

Each run adds history (running it twice shows staleness). ``--demo`` is what ``make run`` does: load the examples
into the default store (``$MLTRACE_HOME/mltrace.db``) once, and never into a store you configured (a demo has no
place in your team's database); ``make serve`` starts the server without loading anything.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import mltrace_otel
from examples.common import DEFAULT_DATA_ROOT
from mltrace_otel.config import database_url as resolve_database_url
from mltrace_otel.config import default_sqlite_url
from mltrace_otel.queries.components import components_by_names
from mltrace_otel.store.engine import get_engine

# Variables that point the store elsewhere than the default one; the demo never goes there.
STORE_VARIABLES = ("MLTRACE_DATABASE_URL", "DB_URI", "DB_SERVER")
# Present once the demo is in a store (every example names its components in its own namespace).
DEMO_MARKER = "industry-ml/training"


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


def demo_target() -> tuple[str | None, str]:
    """(the store the demo goes into, or None; why, in a sentence for the terminal)."""
    configured = [var for var in STORE_VARIABLES if os.environ.get(var)]
    if configured:
        return None, (
            f"Not loading the demo: {configured[0]} is set, and the demo goes only into the default store. "
            "Load it there on purpose with: python -m examples.load_all --database-url URL"
        )
    url = default_sqlite_url()
    with get_engine(url).connect() as conn:
        if components_by_names(conn, [DEMO_MARKER]):
            return None, f"The demo is already in {url}; not loading it again."
    return url, f"Loading the demo into {url} (once)."


def cli_command() -> str:
    """How to call the CLI from this shell: ``mltrace`` when it is on PATH, else the one beside this Python."""
    beside = Path(sys.executable).parent / "mltrace"
    if shutil.which("mltrace") == str(beside) or not beside.exists():
        return "mltrace"
    return os.path.relpath(beside) if Path.cwd() in beside.parents else str(beside)


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="the store (default: the configured one)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_ROOT, help="root of the examples' data files")
    parser.add_argument(
        "--demo", action="store_true", help="load once into the default store; never into a configured one"
    )
    args = parser.parse_args(argv)
    if args.demo:
        if args.database_url:
            parser.error("--demo loads into the default store only; drop --database-url, or drop --demo")
        target, message = demo_target()
        print(message)
        if target is None:
            return []
    url = resolve_database_url(args.database_url)
    ran = []
    for name, run in _examples(url, args.data_dir):
        print(f"== {name}")
        run()
        ran.append(name)
    mltrace_otel.flush()
    print(f"Loaded {len(ran)} example pipelines into {url}. Try: {cli_command()} recent")
    return ran


if __name__ == "__main__":
    main()
