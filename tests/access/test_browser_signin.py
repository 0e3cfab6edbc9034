"""In real Chromium against a real `mltrace serve` in keys mode: the sign-in flow, write controls hidden by scope,
and forgery attempts from a page of another origin (form posts, fetch with credentials) that change nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from mltrace_otel.queries.pointers import get_pointer
from mltrace_otel.store.engine import get_engine
from tests.access.conftest import make_key
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, Server, require_ui_build, running_server
from tests.graphql.dags import Pipeline, small_pipeline

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str], Pipeline]]:
    require_ui_build()
    tmp = tmp_path_factory.mktemp("keys-ui")
    url = f"sqlite:///{tmp / 'mltrace.db'}"
    engine = get_engine(url)
    pipeline = small_pipeline(engine)
    secrets = {scope: make_key(engine, f"{scope}-user", scope) for scope in ("read", "annotate")}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MLTRACE_AUTH", "keys")
        with running_server(url, tmp / "server.log") as server:
            yield server, secrets, pipeline
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser: Browser, keyed: tuple[Server, dict[str, str], Pipeline]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=keyed[0].url)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def sign_in(page: Page, secret: str) -> None:
    page.goto("/")
    page.get_by_test_id("signin-key").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def test_sign_in_hide_writes_by_scope_and_sign_out(
    context: BrowserContext, keyed: tuple[Server, dict[str, str], Pipeline]
) -> None:
    server, secrets, pipeline = keyed
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    page.get_by_test_id("signin-key").fill("mlt_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signin-error")).to_contain_text("not accepted")

    sign_in(page, secrets["read"])
    expect(page.get_by_test_id("signed-in-as")).to_have_text("read-user")
    (cookie,) = context.cookies()
    assert cookie["name"] == "mltrace_session" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["expires"] > time.time()
    assert secrets["read"] not in cookie["value"]
    page.goto(f"/run/{pipeline.id('infer')}")
    expect(page.get_by_test_id("flag-predictions.csv")).to_be_attached()  # empty: unflagged, no switch
    expect(page.get_by_test_id("flag-predictions.csv").locator("input")).to_have_count(0)
    expect(page.get_by_test_id("save-notes")).to_be_hidden()

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    assert context.cookies() == []
    page.reload()
    expect(page.get_by_test_id("signin-form")).to_be_visible()

    sign_in(page, secrets["annotate"])
    page.goto(f"/run/{pipeline.id('infer')}")
    page.get_by_test_id("flag-predictions.csv").locator("label").click()
    expect(page.get_by_test_id("flagged-by-predictions.csv")).to_have_text("by annotate-user")
    with get_engine(server.database_url).connect() as conn:
        assert get_pointer(conn, "predictions.csv").flagged
    page.get_by_test_id("flag-predictions.csv").locator("label").click()
    expect(page.get_by_test_id("flagged-by-predictions.csv")).to_have_count(0)


ATTACK = """<!doctype html><html><body>
<form id="plain" method="POST" action="{url}/graphql" enctype="text/plain" target="sink">
  <input name='{{"query":"mutation {{ flagOutput(name: \\"model.pkl\\") {{ flagged }} }}","x":"' value='"}}'>
</form>
<form id="urlencoded" method="POST" action="{url}/graphql" target="sink">
  <input name="query" value='mutation {{ flagOutput(name: "model.pkl") {{ flagged }} }}'>
</form>
<iframe name="sink"></iframe>
<script>
window.results = [];
async function attack() {{
  document.getElementById("plain").submit();
  await new Promise((r) => setTimeout(r, 500));
  document.getElementById("urlencoded").submit();
  await new Promise((r) => setTimeout(r, 500));
  const body = JSON.stringify({{query: 'mutation {{ flagOutput(name: "model.pkl") {{ flagged }} }}'}});
  for (const headers of [{{"Content-Type": "application/json"}}, {{"Content-Type": "text/plain"}}]) {{
    try {{
      const r = await fetch("{url}/graphql", {{method: "POST", credentials: "include", headers, body}});
      window.results.push("read " + r.status);
    }} catch (e) {{ window.results.push("blocked"); }}
  }}
  try {{
    await fetch("{url}/graphql", {{method: "POST", mode: "no-cors", credentials: "include", body}});
    window.results.push("no-cors sent");
  }} catch (e) {{ window.results.push("no-cors blocked"); }}
  return window.results;
}}
</script></body></html>"""


def test_a_page_of_another_origin_cannot_forge_a_write(
    context: BrowserContext, keyed: tuple[Server, dict[str, str], Pipeline], tmp_path: Path
) -> None:
    server, secrets, _ = keyed
    page = context.new_page()
    sign_in(page, secrets["annotate"])  # the victim is signed in, with a key that may flag
    seen: list[tuple[str, str | None]] = []
    context.route(
        f"{EVIL}/**", lambda route: route.fulfill(body=ATTACK.format(url=server.url), content_type="text/html")
    )
    context.on(
        "request", lambda r: seen.append((r.url, r.headers.get("cookie"))) if r.url.endswith("/graphql") else None
    )
    attacker = context.new_page()
    attacker.goto(f"{EVIL}/")
    results = attacker.evaluate("attack()")
    attacker.wait_for_timeout(500)
    # The JSON fetch needs a preflight the server does not grant; the others reach it but are refused.
    assert results[0] == "blocked" and results[-1] in ("no-cors sent", "no-cors blocked"), results
    assert seen, "the attack page sent nothing to the server"
    with get_engine(server.database_url).connect() as conn:
        assert not get_pointer(conn, "model.pkl").flagged
