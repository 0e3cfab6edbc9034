"""What every example shares: its command line and the directory its generated data files live in."""

from __future__ import annotations

import argparse
from pathlib import Path

# Git-ignored: the examples generate their small data files here unless told otherwise.
DEFAULT_DATA_ROOT = Path(__file__).resolve().parent / "data"


def example_parser(description: str, name: str) -> argparse.ArgumentParser:
    """``--database-url`` and ``--data-dir``, which every example takes."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=None,
        help="the mltrace-otel store (default: MLTRACE_DATABASE_URL, DB_URI, DB_SERVER or ~/.mltrace/mltrace.db)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_ROOT / name,
        help=f"where the generated data files go (default: examples/data/{name})",
    )
    return parser


def parse_args(description: str, argv: list[str] | None, name: str) -> argparse.Namespace:
    return example_parser(description, name).parse_args(argv)
