"""The command bar: every mltrace command renders its view, bad input says what is wrong, completion and history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import UiStore, screenshot
from tests.browser.ui import command, loaded, run_rows, view

pytestmark = pytest.mark.browser


def test_recent_is_the_home_page_newest_first(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    view(page, "recent")
    expect(run_rows(page).first).to_contain_text("evaluate_fanin")
    expect(page.get_by_test_id("command-input")).to_have_value("recent")
    screenshot(page, "recent", ui_store.backend)


def test_recent_n_shows_n_runs(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "recent 5")
    expect(page).to_have_url(re.compile(r"/recent\?n=5$"))
    view(page, "recent")
    expect(run_rows(page)).to_have_count(5)


def test_history_of_a_component_with_n(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "history train")
    history = view(page, "history")
    expect(history).to_contain_text("ml-team")
    expect(history).to_contain_text("Gradient-boosted fraud model")
    expect(run_rows(page)).to_have_count(2)
    # The failed attempt stands out.
    failed = page.locator(f'tr[data-run-id="{ui_store.industry.train_failed}"]')
    expect(failed).to_have_class(re.compile("run-failed"))
    expect(failed.get_by_test_id("status-failed")).to_be_visible()
    command(page, "history train 1")
    expect(page).to_have_url(re.compile(r"/history/train\?n=1$"))
    expect(run_rows(page)).to_have_count(1)
    expect(run_rows(page).first).to_contain_text(ui_store.industry.train)
    screenshot(page, "history", ui_store.backend)


def test_inspect_shows_the_run(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, f"inspect {ui_store.industry.train.upper()}")
    expect(page).to_have_url(re.compile(f"/run/{ui_store.industry.train}$"))
    inspector = view(page, "inspect")
    expect(page.get_by_test_id("component-link")).to_have_text("train")
    facts = page.get_by_test_id("run-facts")
    for text in (
        "ml-team",
        "Gradient-boosted fraud model",
        "nightly",
        "training",
        "9f3c2a1b7d4e",
        "v1.4.0",
        "2 min 00 s",
    ):
        expect(facts).to_contain_text(text)
    expect(page.get_by_test_id("code-snapshot")).to_contain_text("GradientBoostingClassifier")
    # Highlighted, not plain text.
    expect(page.get_by_test_id("code-snapshot").locator(".token.keyword").first).to_be_visible()
    tests = page.get_by_test_id("test-results").locator("tbody tr")
    expect(tests).to_have_count(3)
    expect(tests.filter(has_text="no_leakage")).to_contain_text("failed")
    expect(page.get_by_test_id("inputs")).to_contain_text("data/features.parquet")
    expect(page.get_by_test_id("outputs")).to_contain_text("models/model.pkl")
    expect(page.get_by_test_id("attributes")).to_contain_text("model.accuracy")
    expect(page.get_by_test_id("resource")).to_contain_text("industry-ml")
    expect(page.get_by_test_id("dependencies")).to_contain_text(ui_store.industry.featurize)
    expect(page.get_by_test_id("dependents")).to_contain_text(ui_store.industry.evaluate)
    expect(inspector).not_to_contain_text("This run failed")
    screenshot(page, "inspect", ui_store.backend)


def test_trace_shows_the_tree_of_an_output(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "trace reports/metrics.json")
    view(page, "trace")
    tree = page.get_by_test_id("trace-tree")
    rows = tree.get_by_role("treeitem")
    i = ui_store.industry
    first_seen = [i.evaluate, i.featurize, i.clean, i.ingest, i.train]
    for run_id in first_seen:
        expect(tree.locator(f'[data-run-id="{run_id}"]').first).to_be_visible()
    # featurize feeds both evaluate and train: expanded once, referenced the second time.
    expect(rows).to_have_count(6)
    expect(tree).to_contain_text("its dependencies are shown above")
    screenshot(page, "trace", ui_store.backend)


def test_trace_shows_a_newer_failed_attempt_and_starts_at_the_successful_producer(
    page: Page, ui_store: UiStore
) -> None:
    i = ui_store.industry
    page.goto("/")
    command(page, f"trace {i.predictions[0]}")
    view(page, "trace")
    attempts = page.get_by_test_id("newer-failed-attempts")
    expect(attempts).to_contain_text(f"serve_predictions run {i.serve_failed}")
    expect(attempts).to_contain_text("did not replace this output")
    tree = page.get_by_test_id("trace-tree")
    expect(tree.get_by_role("treeitem").first).to_have_attribute("data-run-id", i.serve[0])
    expect(tree.locator(f'[data-run-id="{i.serve_failed}"]')).to_have_count(0)
    attempts.get_by_role("link", name=i.serve_failed).click()
    expect(page).to_have_url(re.compile(f"/run/{i.serve_failed}$"))


def test_lineage_command(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "lineage reports/metrics.json")
    view(page, "lineage")
    expect(page.get_by_test_id("lineage-count")).to_have_text("5 runs, 5 edges")
    expect(page.get_by_test_id("lineage-node")).to_have_count(5)
    expect(page.get_by_test_id("lineage-graph")).to_have_attribute("data-ready", "true")
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    screenshot(page, "lineage", ui_store.backend)


def test_tag_lists_components_and_their_runs(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "tag training")
    view(page, "tag")
    cards = page.get_by_test_id("tag-component")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="train")).to_have_count(2)  # "train" is in "training" too
    expect(page.get_by_test_id("view-tag")).to_contain_text("evaluate")
    expect(run_rows(page)).to_have_count(3)


def test_review_and_help(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, "help")
    help_table = view(page, "help").get_by_test_id("help-commands")
    for usage in (
        "recent [N]",
        "history COMPONENT [N]",
        "inspect RUN_ID",
        "trace OUTPUT_ID",
        "lineage OUTPUT_ID",
        "tag TAG",
        "flag OUTPUT_ID",
        "unflag OUTPUT_ID",
        "review",
        "help",
    ):
        expect(help_table).to_contain_text(usage)
    command(page, "review")
    view(page, "review")
    loaded(page)


def test_otel_command_shows_the_span_tree(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, f"otel {ui_store.industry.trace_id}")
    view(page, "otel")
    expect(page.get_by_test_id("span-count")).to_have_text("12 spans")
    expect(page.get_by_test_id("span-row")).to_have_count(12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frobnicate", "Unknown command 'frobnicate'"),
        ("history", "history needs a component name"),
        ("history train zero", "N must be a positive whole number, not 'zero'"),
        ("inspect 42", "'42' is not a run id"),
    ],
)
def test_bad_commands_say_what_is_wrong(page: Page, ui_store: UiStore, text: str, message: str) -> None:
    page.goto("/help")
    command(page, text)
    expect(page.get_by_test_id("command-error")).to_contain_text(message)
    expect(page).to_have_url(re.compile(r"/help$"))  # nothing ran


def test_autocomplete_and_arrow_key_history(page: Page, ui_store: UiStore) -> None:
    page.goto("/help")
    bar = page.get_by_test_id("command-input")
    bar.click()
    bar.fill("")  # the bar shows the current page's command ("help")
    bar.press_sequentially("history tra")
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("train")
    bar.press("Tab")
    expect(bar).to_have_value(re.compile(r"^history train"))
    bar.press("Enter")
    view(page, "history")
    # Outputs complete too, quoted when needed.
    bar.click()
    bar.fill("")
    bar.press_sequentially("trace fanin/met")
    expect(suggestions).to_contain_text("fanin/metrics.json")
    bar.press("ArrowDown")
    bar.press("Enter")  # accepts the highlighted suggestion
    expect(bar).to_have_value("trace fanin/metrics.json")
    bar.press("Enter")
    view(page, "trace")
    command(page, "tag etl")
    view(page, "tag")
    # Previous commands come back with the arrow keys, newest first, and survive a reload.
    page.reload()
    bar.click()
    bar.fill("")
    bar.press("ArrowUp")
    expect(bar).to_have_value("tag etl")
    bar.press("ArrowUp")
    expect(bar).to_have_value("trace fanin/metrics.json")
    bar.press("ArrowDown")
    expect(bar).to_have_value("tag etl")


def test_keyboard_focus_shortcut(page: Page, ui_store: UiStore) -> None:
    page.goto("/help")
    page.locator("body").click()
    page.keyboard.press("/")
    expect(page.get_by_test_id("command-input")).to_be_focused()
    page.keyboard.type("review")
    page.keyboard.press("Enter")
    view(page, "review")
