"""The monitoring views in Chromium: tasks worst drift first (on the home view too), a task's metric,
distribution and drift over time, a drifted window's outputs and runs one click away, flagged for review; the
runs behind a drifted window carry a drift badge in the inspector and on their lineage node."""

from __future__ import annotations

import os
import random
import re
import shutil

import httpx
import pytest
from playwright.sync_api import Page, expect

from mltrace_otel.monitoring import drift
from mltrace_otel.monitoring.events import Observation
from mltrace_otel.monitoring.write import store_observations
from mltrace_otel.store.engine import dispose_engines, get_engine
from tests.browser.conftest import UiStore, screenshot
from tests.browser.pipelines import days_ago
from tests.browser.server import REPO
from tests.browser.ui import loaded, view

pytestmark = pytest.mark.browser

HOUR = 3600 * 1_000_000_000
SHIFT = 18  # the hour (of 24) at which the fraud model's scores move up
PER_HOUR = 300  # enough that hours without drift stay well under the threshold (PSI noise ~ bins / n)
DOCS = REPO / "docs" / "monitoring"


def _plant(store: UiStore) -> list[str]:
    """A day of a fraud model's scores (with labels) and labels (with feedback); the scores shift at hour 18,
    whose outputs include the serving runs' prediction pointers. Returns those pointers."""
    ids = store.industry
    base = days_ago(2)
    start = base - base % HOUR - 23 * HOUR
    rng = random.Random(5)
    rows: list[Observation] = []
    for hour in range(24):
        for i in range(PER_HOUR):
            ts = start + hour * HOUR + i * (3600 // PER_HOUR) * 1_000_000_000
            y = int(rng.random() < 0.3)
            score = min(1.0, max(0.0, rng.gauss(0.3 + 0.4 * y + (0.25 if hour >= SHIFT else 0), 0.15)))
            oid = ids.predictions[i] if hour == SHIFT and i < len(ids.predictions) else f"txn-{hour}-{i}"
            run = ids.serve[i // 2] if hour == SHIFT and i < len(ids.predictions) else ids.serve[hour % len(ids.serve)]
            rows.append(Observation("output", "fraud-score", oid, score, None, ts, ids.trace_id, run))
            rows.append(Observation("feedback", "fraud-score", oid, float(y), None, ts + 2 * HOUR, None, None))
            label = "fraud" if score > 0.5 else "ok"
            rows.append(Observation("output", "fraud-label", f"l-{hour}-{i}", None, label, ts, None, run))
            truth = "fraud" if y else "ok"
            rows.append(Observation("feedback", "fraud-label", f"l-{hour}-{i}", None, truth, ts + HOUR, None, None))
    engine = get_engine(store.server.database_url)
    store_observations(engine, rows)
    # The first twelve hours are the reference: every hour from the shift on stands out against it.
    drift.set_settings(engine, "fraud-score", reference_start_ns=start, reference_end_ns=start + 12 * HOUR)
    dispose_engines()
    return ids.predictions


def _keep(name: str, backend: str) -> None:
    """With ``MLTRACE_REFRESH_DOCS=1`` (``make docs-shots``), the SQLite run's screenshots replace the README's in
    docs/monitoring/. Not by default: a test run must leave the tracked files as they were."""
    shot = REPO / "test-artifacts" / f"{name}-{backend}.png"
    if os.environ.get("MLTRACE_REFRESH_DOCS") == "1" and backend == "sqlite" and shot.exists():
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS / f"{name}.png")


def test_a_drifted_task_leads_and_its_window_leads_to_runs_and_review(page: Page, ui_store: UiStore) -> None:
    predictions = _plant(ui_store)
    try:
        page.goto("/")
        home = page.get_by_test_id("home-tasks")
        expect(home.get_by_test_id("task-row")).to_have_count(2)
        expect(home.get_by_test_id("task-row").first).to_contain_text("fraud-score")
        expect(home.get_by_test_id("task-row").first.get_by_test_id("drifted-tag")).to_be_visible()
        page.get_by_role("link", name="Tasks").click()
        view(page, "tasks")
        expect(page.get_by_test_id("task-row")).to_have_count(2)
        screenshot(page, "monitoring-tasks", ui_store.backend)
        _keep("monitoring-tasks", ui_store.backend)

        page.get_by_role("link", name="fraud-score").click()
        view(page, "task")
        loaded(page)
        expect(page.get_by_test_id("drift-callout")).to_be_visible()
        # 24 hourly windows; the six from the shift on have drifted against the reference.
        expect(page.get_by_test_id("drift-bar-drifted")).to_have_count(24 - SHIFT)
        expect(page.get_by_test_id("distribution-bar")).to_have_count(24)
        page.get_by_label("Metric", exact=True).select_option("roc_auc")
        expect(page).to_have_url(re.compile(r"metric=roc_auc"))
        loaded(page)
        expect(page.get_by_test_id("metric-point")).to_have_count(24)
        page.get_by_test_id("drift-bar-drifted").first.click()
        outputs = page.get_by_test_id("window-outputs")
        expect(outputs).to_contain_text(f"{PER_HOUR} outputs")
        expect(outputs.get_by_test_id("window-run")).to_have_count(len(predictions) // 2)
        screenshot(page, "monitoring-task", ui_store.backend)
        _keep("monitoring-task", ui_store.backend)

        page.get_by_test_id("flag-window").click()
        flagged = f"{len(predictions)} of {PER_HOUR} outputs flagged (those runs wrote)"
        expect(page.get_by_test_id("flag-result")).to_contain_text(flagged)
        outputs.get_by_test_id("window-run").first.click()
        view(page, "inspect")
        expect(page.get_by_test_id("component-link")).to_have_text("serve_predictions")
        _a_drifted_run_is_marked(page, ui_store.backend)
    finally:
        for name in predictions:  # put the flags back: other tests review the same store
            httpx.post(
                f"{ui_store.server.url}/graphql",
                json={"query": "mutation($n: String!) { unflagOutput(name: $n) { name } }", "variables": {"n": name}},
            )


def _a_drifted_run_is_marked(page: Page, backend: str) -> None:
    """On a run's inspector whose outputs fall in a drifted hour: its badge leads to the task; its lineage node
    carries the mark too."""
    run_id = page.url.split("?")[0].rsplit("/", 1)[-1]
    badge = page.get_by_test_id("drift-badge").filter(has_text="fraud-score")
    expect(badge).to_be_visible()
    screenshot(page, "monitoring-run-badge", backend)
    _keep("monitoring-run-badge", backend)
    page.get_by_test_id("open-lineage").click()
    view(page, "lineage")
    node = page.locator(f'[data-testid="lineage-node"][data-run-id="{run_id}"]')
    expect(node).to_have_class(re.compile(r"\bdrifted\b"))
    mark = node.get_by_test_id("drift-badge")
    expect(mark).to_be_visible()
    screenshot(page, "monitoring-lineage-badge", backend)
    _keep("monitoring-lineage-badge", backend)
    mark.click()
    view(page, "task")
    expect(page).to_have_url(re.compile(r"/task/fraud-(score|label)$"))
    page.go_back()
    page.go_back()
    view(page, "inspect")
    badge.click()
    view(page, "task")
    expect(page).to_have_url(re.compile(r"/task/fraud-score$"))
