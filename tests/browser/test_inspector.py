"""The run inspector: failed and stale runs stand out, flags change the review, notes are saved, links work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import UiStore, screenshot
from tests.browser.ui import command, view

pytestmark = pytest.mark.browser


def test_failed_run_stands_out(page: Page, ui_store: UiStore) -> None:
    page.goto(f"/run/{ui_store.industry.train_failed}")
    callout = page.get_by_test_id("failed-callout")
    expect(callout).to_be_visible()
    expect(callout).to_contain_text("ValueError: Input contains NaN in column 'amount_7d'")
    expect(page.get_by_test_id("view-inspect").get_by_test_id("status-failed").first).to_be_visible()
    # The stack trace is on the run page itself, not clicks away in the OTel view.
    trace = page.get_by_test_id("exceptions").get_by_test_id("stacktrace")
    expect(trace).to_be_visible()
    expect(trace).to_contain_text('File "pipelines/train.py", line 41, in train')


def test_stale_run_says_why(page: Page, ui_store: UiStore) -> None:
    i = ui_store.industry
    page.goto(f"/run/{i.featurize}")
    callout = page.get_by_test_id("stale-callout")
    expect(callout).to_be_visible()
    expect(callout).to_contain_text("clean")
    # The reason links to the superseded dependency and to the run that superseded it.
    expect(callout.get_by_role("link", name=i.clean)).to_be_visible()
    callout.get_by_role("link", name=i.clean_rerun).click()
    expect(page).to_have_url(re.compile(f"/run/{i.clean_rerun}$"))
    expect(page.get_by_test_id("stale-callout")).to_have_count(0)


def test_flagging_an_output_in_the_inspector_changes_the_review(page: Page, ui_store: UiStore) -> None:
    serve_run = ui_store.industry.serve[2]
    output = "predictions/txn-0005"
    page.goto("/review")
    view(page, "review")
    expect(page.get_by_test_id("view-review")).not_to_contain_text(output)

    page.goto(f"/run/{serve_run}")
    toggle = page.get_by_test_id(f"flag-{output}")
    toggle.locator("label").click()
    expect(toggle).to_contain_text("flagged")
    screenshot(page, "inspect-flagged", ui_store.backend)

    page.get_by_role("link", name="Review").click()
    review = view(page, "review")
    flagged = page.get_by_test_id("flagged-outputs")
    expect(flagged).to_contain_text(output)
    ranked = page.get_by_test_id("ranked-runs")
    expect(ranked.locator(f'tr[data-run-id="{serve_run}"]')).to_be_visible()
    expect(ranked).to_contain_text("Ochiai")
    expect(page.get_by_test_id("ranked-components")).to_contain_text("serve_predictions")
    screenshot(page, "review", ui_store.backend)

    # Unflag from the review page: the review empties again.
    flagged.get_by_test_id(f"flag-{output}").locator("label").click()
    expect(review).to_contain_text("No flagged outputs")


def test_flag_and_unflag_commands(page: Page, ui_store: UiStore) -> None:
    output = "predictions/txn-0011"
    page.goto("/")
    command(page, f"flag {output}")
    expect(page).to_have_url(re.compile(r"/trace/predictions%2Ftxn-0011$"))
    expect(page.get_by_test_id("pointer-flagged")).to_be_visible()
    command(page, "review")
    expect(page.get_by_test_id("flagged-outputs")).to_contain_text(output)
    command(page, f"unflag {output}")
    expect(page.get_by_test_id("view-trace")).to_be_visible()
    expect(page.get_by_test_id("pointer-flagged")).to_have_count(0)
    command(page, "flag no/such/output.csv")
    expect(page.get_by_test_id("command-error")).to_contain_text("no/such/output.csv")


def test_notes_are_saved(page: Page, ui_store: UiStore) -> None:
    run_id = ui_store.industry.serve[5]
    page.goto(f"/run/{run_id}")
    notes = page.get_by_test_id("notes")
    text = f"checked by the browser test on {ui_store.backend}"
    notes.fill(text)
    page.get_by_test_id("save-notes").click()
    expect(page.get_by_test_id("save-notes")).to_have_text("Saved")
    page.reload()
    expect(page.get_by_test_id("notes")).to_have_value(text)


def test_links_between_runs(page: Page, ui_store: UiStore) -> None:
    i = ui_store.industry
    page.goto(f"/run/{i.evaluate}")
    links = page.get_by_test_id("span-links")
    expect(links).to_contain_text(i.train)
    links.get_by_role("link", name=i.train).first.click()
    expect(page).to_have_url(re.compile(f"/run/{i.train}$"))
    page.get_by_test_id("dependencies").get_by_role("link", name=i.featurize).click()
    expect(page).to_have_url(re.compile(f"/run/{i.featurize}$"))
    page.get_by_test_id("component-link").click()
    expect(page).to_have_url(re.compile(r"/history/featurize$"))
    page.go_back()
    page.get_by_test_id("outputs").get_by_role("link", name="data/features.parquet").click()
    view(page, "trace")
    page.go_back()
    page.get_by_test_id("open-otel").click()
    view(page, "otel")
    expect(page.locator(f'[data-span-id="{i.featurize}"]')).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("span-details")).to_contain_text("featurize")
