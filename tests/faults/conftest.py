"""The fault suite's fixtures: private Postgres clusters and the runner that plays scenarios side by side.

Each test names its scenario with ``@pytest.mark.scenario(name)``. The first test that asks for a result starts
every scenario selected in this session at once (each in its own thread, with its own cluster or database and its
own MLTRACE_HOME), and every test then waits for its own: the suite takes about as long as its longest scenario.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.faults.cluster import ClusterFactory
from tests.faults.scenarios import ScenarioRunner

_selected: set[str] = set()
_runner: ScenarioRunner | None = None


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what this session will not run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        mark = item.get_closest_marker("scenario")
        if mark is not None:
            _selected.add(mark.args[0])


@pytest.fixture(scope="session")
def clusters() -> Iterator[ClusterFactory]:
    factory = ClusterFactory()
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def scenarios(clusters: ClusterFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScenarioRunner]:
    global _runner
    runner = ScenarioRunner(clusters, tmp_path_factory.mktemp("faults"), _selected)
    _runner = runner
    try:
        yield runner
    finally:
        runner.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The issue's table, as this run measured it: logged and stored per scenario."""
    runner = _runner
    if runner is None or not runner.outcomes():
        return
    terminalreporter.section("fault suite: logged vs stored")
    for outcome in sorted(runner.outcomes(), key=lambda o: o.scenario):
        terminalreporter.write_line(
            f"{outcome.scenario:75s} logged {outcome.logged:>7,}  stored {outcome.stored:>7,}  "
            f"(span rows {outcome.run_rows:,}, duplicated IO rows {outcome.duplicate_io_rows})"
        )
    for outcome in runner.outcomes():
        if "exit_seconds" in outcome.details:
            terminalreporter.write_line(
                f"{outcome.scenario}: exit took {outcome.details['exit_seconds']} s after the pipeline's last output"
            )
    if runner.started_at is not None and runner.finished_at is not None:
        terminalreporter.write_line(f"scenarios ran side by side for {runner.finished_at - runner.started_at:.0f} s")
