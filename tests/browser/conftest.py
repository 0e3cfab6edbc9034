"""Browser suite fixtures: one real ``mltrace serve`` per store backend, loaded with the example pipelines, and
headless Debian Chromium driven by Playwright (never a downloaded browser).

The store is filled before the server starts, through ``ingest_spans`` (the path every span takes). Tests that
change state (flags, notes) use objects no other test looks at, and put them back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, sync_playwright

from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.ingest import ingest_spans
from tests.browser.pipelines import IndustryIds, days_ago, fan_in_pipeline, industry_pipeline
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, REPO, Server, require_ui_build, running_server
from tests.conftest import pg_connect, pg_url

ARTIFACTS = REPO / "test-artifacts"


@dataclass(frozen=True)
class UiStore:
    server: Server
    backend: str
    industry: IndustryIds
    fan_in_output: str
    fan_in_runs: int


def _load(database_url: str) -> tuple[IndustryIds, str, int]:
    engine = get_engine(database_url)
    records, ids = industry_pipeline(days_ago(2))
    fan_records, final = fan_in_pipeline(days_ago(1))
    for batch in (records, fan_records):
        result = ingest_spans(engine, batch)
        assert not result.rejected, result.rejected
    dispose_engines()
    return ids, final, len(fan_records)


def _postgres_database() -> Iterator[str]:
    name = f"mltrace_ui_{uuid.uuid4().hex[:10]}"
    admin = pg_connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield pg_url(name)
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def ui_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiStore]:
    require_ui_build()
    tmp = tmp_path_factory.mktemp(f"ui-{request.param}")
    if request.param == "sqlite":
        databases: Iterator[str] = iter([f"sqlite:///{tmp / 'mltrace.db'}"])
    else:
        databases = _postgres_database()
    database_url = next(databases)
    try:
        industry, final, fan_in_runs = _load(database_url)
        with running_server(database_url, tmp / "server.log") as server:
            yield UiStore(server, request.param, industry, final, fan_in_runs)
    finally:
        next(databases, None)  # drops the Postgres database


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser, ui_store: UiStore) -> Iterator[Page]:
    """A fresh browser context per test (own storage), failing the test on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=ui_store.server.url)
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))

    def on_console(message: ConsoleMessage) -> None:
        # Failed requests the tests provoke on purpose (unknown ids answer GraphQL errors, not HTTP errors).
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(f"console: {message.text}")

    p.on("console", on_console)
    yield p
    context.close()
    assert not errors, "script errors in the page:\n" + "\n".join(errors)


def screenshot(page: Page, name: str, backend: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{backend}.png"
    try:
        page.screenshot(path=str(path), full_page=False)
    except Error as exc:  # a screenshot is an artefact, never the reason a test fails
        print(f"screenshot {name} failed: {exc}")
    return path
