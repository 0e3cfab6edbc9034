"""mltrace 0.17's own client tests, run against mltrace-otel with only their imports changed.

They are read from the shared copy next to the project (``../shared/mltrace-0.17-tests``, or
``MLTRACE_0_17_TESTS``), never copied in: the project holds only code we wrote. As each file is loaded,
``mltrace`` in its import lines becomes ``mltrace_otel``; its ``unittest`` classes land in this module, where
pytest collects them like any others. Without the shared copy (a clone elsewhere) this test fails and says where
to point ``MLTRACE_0_17_TESTS``: the suite is part of what passing means.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import os
import re
import unittest
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import mltrace_otel
from mltrace_otel.config import set_database_url

SUITE = Path(
    os.environ.get("MLTRACE_0_17_TESTS", Path(__file__).resolve().parents[2].parent / "shared" / "mltrace-0.17-tests")
)
FILES = {"client": "test_client.py", "data_model_client": "data_model/test_client.py"}
EXPECTED_TESTS = 20  # 11 in test_client.py, 9 in data_model/test_client.py

_IMPORT = re.compile(r"^(\s*(?:from|import)\s+)mltrace(?=[\s.])", re.MULTILINE)


class RewritingLoader(importlib.machinery.SourceFileLoader):
    """Loads a file as a module with ``mltrace`` imports pointed at ``mltrace_otel``; nothing else changes."""

    def source_to_code(self, data: bytes | str, path: str, *, _optimize: int = -1) -> object:  # type: ignore[override]
        source = data.decode("utf-8") if isinstance(data, bytes) else data
        return compile(rewrite_imports(source), path, "exec", dont_inherit=True)


def rewrite_imports(source: str) -> str:
    return _IMPORT.sub(r"\1mltrace_otel", source)


def load(name: str, relative: str) -> ModuleType:
    path = SUITE / relative
    loader = RewritingLoader(f"mltrace_0_17_tests.{name}", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def case_classes(modules: list[ModuleType]) -> Iterator[type[unittest.TestCase]]:
    for module in modules:
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, unittest.TestCase) and obj.__module__ == module.__name__:
                yield obj


_present = all((SUITE / f).is_file() for f in FILES.values())
_modules = [load(name, f) for name, f in FILES.items()] if _present else []
for _case in case_classes(_modules):
    # Prefixed with the file it came from: both files are test_client.py.
    _case.__qualname__ = _case.__name__ = f"{_case.__name__}_{_case.__module__.rsplit('.', 1)[-1]}"
    globals()[_case.__name__] = _case
_case = None  # not a second name pytest would collect the last class under (and defined when none was loaded)


@pytest.fixture(autouse=True)
def _stop_exporting() -> Iterator[None]:
    """mltrace's tests configure the exporter through set_db_uri and their first run; undo it after each."""
    yield
    mltrace_otel.shutdown()
    set_database_url(None)


def test_the_mltrace_0_17_suite_is_loaded() -> None:
    if not _present:
        message = f"mltrace 0.17's tests are not at {SUITE} (set MLTRACE_0_17_TESTS to their directory)"
        pytest.fail(message)
    loaded = sum(unittest.defaultTestLoader.loadTestsFromTestCase(c).countTestCases() for c in case_classes(_modules))
    assert loaded == EXPECTED_TESTS


def test_only_import_lines_are_rewritten() -> None:
    source = "import mltrace\nfrom mltrace.entities import IOPointer\nx = 'mltrace'\nimport mltrace_extra\n"
    assert rewrite_imports(source) == (
        "import mltrace_otel\nfrom mltrace_otel.entities import IOPointer\nx = 'mltrace'\nimport mltrace_extra\n"
    )
