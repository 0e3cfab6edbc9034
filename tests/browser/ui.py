"""Small page actions shared by the browser tests: run a command in the bar, read a view."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def command(page: Page, text: str) -> None:
    """Type a command into the bar and run it, as a user would."""
    bar = page.get_by_test_id("command-input")
    bar.click()
    bar.fill(text)
    bar.press("Enter")


def view(page: Page, name: str) -> Locator:
    locator = page.get_by_test_id(f"view-{name}")
    expect(locator).to_be_visible()
    return locator


def run_rows(page: Page) -> Locator:
    return page.get_by_test_id("run-table").first.locator("tbody tr")


def loaded(page: Page) -> None:
    """No view is still loading."""
    expect(page.get_by_test_id("loading")).to_have_count(0)
