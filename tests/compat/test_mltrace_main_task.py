"""mltrace's own Task tests (loglabs/mltrace main, ``tests/test_task.py``), run against mltrace-otel.

Read from the shared copy next to the project (``../shared/mltrace-main-tests``, or ``MLTRACE_MAIN_TESTS``) with
the same import-rewriting loader as mltrace 0.17's suite: never copied in. Without the shared copy this test fails
and says where to point ``MLTRACE_MAIN_TESTS``: the suite is part of what passing means.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import unittest
from collections.abc import Iterator
from pathlib import Path

import pytest

import mltrace_otel
from mltrace_otel.config import set_database_url
from tests.compat.test_mltrace_0_17 import RewritingLoader

SUITE = Path(
    os.environ.get("MLTRACE_MAIN_TESTS", Path(__file__).resolve().parents[2].parent / "shared" / "mltrace-main-tests")
)
EXPECTED_TESTS = 6
_present = (SUITE / "test_task.py").is_file()


def _load() -> list[type[unittest.TestCase]]:
    loader = RewritingLoader("mltrace_main_tests.test_task", str(SUITE / "test_task.py"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, unittest.TestCase) and c.__module__ == module.__name__
    ]


_cases = _load() if _present else []
for _found in _cases:
    _found.__qualname__ = _found.__name__ = f"{_found.__name__}_mltrace_main"
    globals()[_found.__name__] = _found
_found = None


@pytest.fixture(autouse=True)
def _stop_exporting() -> Iterator[None]:
    yield
    mltrace_otel.flush_logs()
    mltrace_otel.shutdown()
    set_database_url(None)


def test_the_mltrace_main_task_suite_is_loaded() -> None:
    if not _present:
        message = f"mltrace's Task tests are not at {SUITE} (set MLTRACE_MAIN_TESTS to their directory)"
        pytest.fail(message)
    loaded = sum(unittest.defaultTestLoader.loadTestsFromTestCase(c).countTestCases() for c in _cases)
    assert loaded == EXPECTED_TESTS
