"""GET /graphql in Chromium with the network cut: GraphiQL comes from our own build, with its schema docs, history
and subscriptions working (every request to a host other than the server is aborted, and counted)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.ingest import ingest_spans
from tests.browser.server import Server, require_ui_build, running_server
from tests.helpers import run_record


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_ui_build()
    tmp = tmp_path_factory.mktemp("graphiql")
    url = f"sqlite:///{tmp / 'mltrace.db'}"
    now = int(time.time())
    ingest_spans(get_engine(url), [run_record("playground/first", now - 60, now - 50, outputs=["a.csv"])])
    try:
        with running_server(url, tmp / "server.log") as running:
            yield running
    finally:
        dispose_engines()


@pytest.fixture
def offline(browser: Browser, server: Server) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server.url)
    blocked: list[str] = []

    def cut(route: Route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", cut)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page, blocked
    context.close()


def replace_query(page: Page, text: str) -> None:
    editor = page.locator(".graphiql-query-editor .monaco-editor").first
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def test_graphiql_works_offline_with_docs_history_and_subscriptions(
    offline: tuple[Page, list[str]], server: Server, tmp_path: Path
) -> None:
    page, blocked = offline
    page.goto("/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.locator(".graphiql-query-editor .monaco-editor").first).to_be_visible()

    # A query: its answer shows the stored run.
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text("playground/first")

    # The schema's documentation, from introspection.
    page.get_by_label("Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    expect(docs).to_contain_text("Query")
    docs.get_by_text("Query", exact=True).first.click()
    expect(docs).to_contain_text("recentRuns")

    # History remembers the query that ran.
    page.get_by_label("Show History").click()
    expect(page.locator(".graphiql-history-items li")).not_to_have_count(0)

    # A subscription over the websocket: a run stored afterwards arrives.
    replace_query(page, "subscription { runAdded { id component { name } } }")
    page.locator(".graphiql-execute-button").click()
    time.sleep(1.5)  # the subscription is acknowledged before runs stored from now on are delivered
    now = int(time.time())
    ingest_spans(get_engine(server.database_url), [run_record("playground/live", now - 2, now - 1)])
    expect(page.locator(".graphiql-response")).to_contain_text("playground/live")

    assert blocked == [], f"the playground asked the internet for {blocked}"
