"""Views: the fan-in lineage, deep links, the OTel waterfall, infinite scroll, themes, unknown ids, live updates,
and a server that went away."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.ingest import ingest_spans
from tests.browser.conftest import UiStore, screenshot
from tests.browser.pipelines import PipelineBuilder, days_ago, fan_in_pipeline, industry_pipeline
from tests.browser.server import running_server
from tests.browser.ui import command, loaded, run_rows, view

pytestmark = pytest.mark.browser


def readable_px(page: Page) -> float:
    """The on-screen size of a node's component name at the current zoom: CSS font size x the viewport's scale."""
    return float(
        page.evaluate(
            """() => {
              const label = document.querySelector('.run-node-component');
              const viewport = document.querySelector('.react-flow__viewport');
              const scale = new DOMMatrix(getComputedStyle(viewport).transform).a;
              return parseFloat(getComputedStyle(label).fontSize) * scale;
            }"""
        )
    )


def test_lineage_of_the_fan_in_groups_repeated_runs_and_expands_them(page: Page, ui_store: UiStore) -> None:
    page.goto("/")
    command(page, f"lineage {ui_store.fan_in_output}")
    graph = page.get_by_test_id("lineage-graph")
    expect(graph).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("lineage-count")).to_have_text(f"{ui_store.fan_in_runs} runs, 498 edges")
    # 124 shards x 4 steps: four "124 x step" nodes, the three runs after the merge as themselves.
    groups = page.get_by_test_id("lineage-group")
    expect(groups).to_have_count(4)
    expect(groups.filter(has_text="124 \u00d7 featurize")).to_have_count(1)
    expect(page.get_by_test_id("lineage-node")).to_have_count(ui_store.fan_in_runs - 4 * 124)
    # Opened at a readable scale, on the output asked about.
    assert readable_px(page) >= 10
    expect(page.locator(".run-node.root")).to_be_in_viewport()
    screenshot(page, "lineage-fan-in", ui_store.backend)
    # Expanding every group draws every run once.
    for _ in range(4):
        groups.first.dispatch_event("click")
    expect(groups).to_have_count(0)
    nodes = page.get_by_test_id("lineage-node")
    expect(nodes).to_have_count(ui_store.fan_in_runs)
    ids = nodes.evaluate_all("ns => ns.map(n => n.dataset.runId)")
    assert len(ids) == len(set(ids)) == 499
    final = page.locator(".run-node.root")
    expect(final).to_have_count(1)
    final.dispatch_event("click")
    view(page, "inspect")
    expect(page.get_by_test_id("component-link")).to_have_text("evaluate_fanin")


def test_a_small_lineage_opens_readable_and_fits_on_request(page: Page, ui_store: UiStore) -> None:
    page.goto("/lineage/output/reports%2Fmetrics.json")
    expect(page.get_by_test_id("lineage-graph")).to_have_attribute("data-ready", "true")
    assert readable_px(page) >= 10
    expect(page.locator(".run-node.root")).to_be_in_viewport()
    screenshot(page, "lineage-industry", ui_store.backend)
    page.locator(".react-flow__controls-fitview").click()
    expect(page.locator(".run-node").first).to_be_in_viewport()


def test_lineage_controls_direction_and_depth(page: Page, ui_store: UiStore) -> None:
    i = ui_store.industry
    page.goto(f"/lineage/run/{i.ingest}?direction=downstream")
    view(page, "lineage")
    # ingest -> clean (x2: the re-run read the same raw file) -> featurize -> train/evaluate -> 6 serving runs and
    # the failed attempt to serve again.
    expect(page.get_by_test_id("lineage-count")).to_contain_text("14 runs")
    page.get_by_label("Maximum depth").fill("1")
    page.get_by_label("Maximum depth").press("Enter")
    expect(page).to_have_url(re.compile(r"depth=1"))
    expect(page.get_by_test_id("lineage-count")).to_contain_text("3 runs")
    page.get_by_role("radio", name=re.compile("Upstream")).click()
    expect(page.get_by_test_id("lineage-count")).to_contain_text("1 runs")
    screenshot(page, "lineage-small", ui_store.backend)
    page.locator(".run-node").first.click()
    expect(page).to_have_url(re.compile(f"/run/{i.ingest}$"))


DEEP_LINKS = [
    ("/recent?n=7", "recent", "recent 7"),
    ("/history/train?n=1", "history", "history train 1"),
    ("/tag/etl", "tag", "tag etl"),
    ("/trace/data%2Ffeatures.parquet", "trace", "trace data/features.parquet"),
    ("/lineage/output/models%2Fmodel.pkl?depth=2", "lineage", "lineage models/model.pkl"),
    ("/review", "review", "review"),
    ("/help", "help", "help"),
]


@pytest.mark.parametrize(("path", "name", "bar"), DEEP_LINKS)
def test_deep_links_reload_to_the_same_view(page: Page, ui_store: UiStore, path: str, name: str, bar: str) -> None:
    for _ in range(2):  # first load, then a reload
        page.goto(path) if _ == 0 else page.reload()
        view(page, name)
        loaded(page)
        expect(page.get_by_test_id("command-input")).to_have_value(bar)
        assert page.url.endswith(path)


def test_run_and_otel_deep_links(page: Page, ui_store: UiStore) -> None:
    i = ui_store.industry
    for path in (f"/run/{i.train}", f"/otel/{i.trace_id}?span={i.evaluate}"):
        page.goto(path)
        page.reload()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator(f'[data-span-id="{i.evaluate}"]')).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("span-details")).to_contain_text("evaluate")


def test_otel_waterfall_collapses_selects_and_walks_with_keys(page: Page, ui_store: UiStore) -> None:
    i = ui_store.industry
    page.goto(f"/otel/{i.trace_id}")
    rows = page.get_by_test_id("span-row")
    expect(rows).to_have_count(12)
    train_row = page.locator(f'[data-span-id="{i.train}"]')
    train_row.get_by_role("button", name="Collapse").click()
    expect(rows).to_have_count(6)  # load_features, fit (+3 epochs), save_model hidden
    expect(train_row).to_contain_text("+6")
    train_row.get_by_role("button", name="Expand").click()
    expect(rows).to_have_count(12)
    page.get_by_role("button", name="Collapse all").click()
    expect(rows).to_have_count(6)  # the six component runs at the top level
    page.get_by_role("button", name="Expand all").click()
    # Details of a plain span, then walk with the keyboard.
    page.locator(".span-row", has_text="epoch 2").click()
    details = page.get_by_test_id("span-details")
    expect(details).to_contain_text("epoch 2")
    page.get_by_test_id("waterfall").press("ArrowDown")
    expect(details).to_contain_text("epoch 3")
    expect(page).to_have_url(re.compile(r"span="))
    page.get_by_test_id("waterfall").press("Escape")
    expect(details).to_have_count(0)
    failed = page.locator(f'[data-span-id="{i.train_failed}"]')
    expect(failed).to_have_class(re.compile("failed"))
    screenshot(page, "otel", ui_store.backend)


def test_recent_scrolls_on_forever(page: Page, ui_store: UiStore) -> None:
    page.goto("/recent")
    rows = run_rows(page)
    expect(rows).to_have_count(50)
    page.get_by_test_id("paging").scroll_into_view_if_needed()
    expect(rows).to_have_count(100)
    for _ in range(30):
        if "All" in (page.get_by_test_id("paging").text_content() or ""):
            break
        page.get_by_test_id("paging").scroll_into_view_if_needed()
        page.wait_for_timeout(200)
    expect(page.get_by_test_id("paging")).to_contain_text("runs shown")
    ids = rows.evaluate_all("rs => rs.map(r => r.dataset.runId)")
    # Every stored run once (other tests may have added live runs: at least the 13 + 499 loaded).
    assert len(ids) == len(set(ids)) >= ui_store.fan_in_runs + 13
    expect(page.get_by_test_id("paging")).to_contain_text(f"All {len(ids)} runs shown")


def test_theme_toggle_is_remembered(page: Page, ui_store: UiStore) -> None:
    page.goto(f"/run/{ui_store.industry.train}")
    dark_before = "bp6-dark" in (page.locator("body").get_attribute("class") or "")
    page.get_by_test_id("theme-toggle").click()
    expect(page.locator("body")).to_have_attribute("data-theme", "light" if dark_before else "dark")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-theme", "light" if dark_before else "dark")
    if not dark_before:
        expect(page.get_by_test_id("component-link")).to_have_text("train")
        screenshot(page, "inspect-dark", ui_store.backend)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/run/00000000000000aa", "no run '00000000000000aa'"),
        ("/run/not-a-run-id", "not 16 hexadecimal characters"),
        ("/trace/no%2Fsuch.csv", "no output 'no/such.csv'"),
        ("/history/no_such_component", "no component 'no_such_component'"),
        ("/otel/" + "0" * 31 + "a", "0" * 31 + "a"),
        ("/lineage/output/nothing.csv", "nothing.csv"),
    ],
)
def test_unknown_ids_say_so(page: Page, ui_store: UiStore, path: str, message: str) -> None:
    page.goto(path)
    state = page.locator('[data-testid="not-found"], [data-testid="error"]')
    expect(state).to_be_visible()
    expect(state).to_contain_text(message)


def test_unknown_page_says_so(page: Page, ui_store: UiStore) -> None:
    page.goto("/no/such/page")
    expect(page.get_by_test_id("not-found")).to_contain_text("/no/such/page")


def test_new_runs_appear_without_reloading(page: Page, ui_store: UiStore) -> None:
    page.goto("/recent")
    expect(page.get_by_test_id("live-mode")).to_have_text("live")  # the websocket subscription
    expect(run_rows(page).first).to_contain_text("evaluate_fanin")
    builder = PipelineBuilder(f"live-{ui_store.backend}", time.time_ns())
    run_id = builder.run("late_arrival", 0, 1, outputs=["live/out.csv"])
    result = ingest_spans(get_engine(ui_store.server.database_url), builder.records)
    dispose_engines()
    assert result.stored == 1
    expect(run_rows(page).first).to_contain_text("late_arrival", timeout=15_000)
    expect(page.locator(f'tr[data-run-id="{run_id}"]')).to_be_visible()


def test_polling_when_websockets_are_unavailable(page: Page, ui_store: UiStore) -> None:
    # A proxy that refuses websockets: every attempt is closed before the GraphQL handshake.
    page.route_web_socket(re.compile(r"/graphql$"), lambda ws: ws.close())
    page.goto("/recent")
    expect(page.get_by_test_id("live-mode")).to_have_text("live (polling)")
    builder = PipelineBuilder(f"poll-{ui_store.backend}", time.time_ns())
    builder.run("polled_arrival", 0, 1, outputs=["poll/out.csv"])
    ingest_spans(get_engine(ui_store.server.database_url), builder.records)
    dispose_engines()
    expect(run_rows(page).first).to_contain_text("polled_arrival", timeout=15_000)


def test_a_server_that_went_away_says_so(browser: Browser, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'gone.db'}"
    engine = get_engine(database_url)
    ingest_spans(engine, industry_pipeline(days_ago(1))[0])
    ingest_spans(engine, fan_in_pipeline(days_ago(1), shards=2)[0])
    dispose_engines()
    context = browser.new_context()
    page = context.new_page()
    try:
        with running_server(database_url, tmp_path / "server.log") as server:
            page.goto(f"{server.url}/recent")
            expect(run_rows(page).first).to_be_visible()
            expect(page.get_by_test_id("server-gone")).to_have_count(0)
        # Server stopped: the page says so, and a new view says so instead of spinning.
        expect(page.get_by_test_id("server-gone")).to_be_visible(timeout=15_000)
        expect(page.get_by_test_id("server-gone")).to_contain_text("mltrace serve")
        page.get_by_role("link", name="Review").click()
        expect(page.get_by_test_id("error")).to_contain_text("not answering")
    finally:
        context.close()


def test_history_date_range(page: Page, ui_store: UiStore) -> None:
    page.goto("/history/train?from=2001-01-01&to=2001-01-31")
    expect(page.get_by_test_id("empty")).to_contain_text("No runs in this range")
    # Widen the range from the form: both runs of train are back.
    page.get_by_label("From date").fill("")
    page.get_by_label("To date").fill("")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/history/train$"))
    expect(run_rows(page)).to_have_count(2)


def test_lineage_is_keyboard_friendly(page: Page, ui_store: UiStore) -> None:
    page.goto("/lineage/output/reports%2Fmetrics.json")
    expect(page.get_by_test_id("lineage-graph")).to_have_attribute("data-ready", "true")
    node = page.locator(f'.react-flow__node[data-id="{ui_store.industry.train}"]')
    node.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/run/{ui_store.industry.train}$"))


def test_at_phone_width_the_command_bar_leaves_the_navigation_visible(page: Page, ui_store: UiStore) -> None:
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto("/")
    bar = page.get_by_test_id("command-input").bounding_box()
    assert bar is not None
    for link in page.locator(".nav-link").all():
        box = link.bounding_box()
        assert box is not None
        overlaps = not (
            box["x"] + box["width"] <= bar["x"]
            or bar["x"] + bar["width"] <= box["x"]
            or box["y"] + box["height"] <= bar["y"]
            or bar["y"] + bar["height"] <= box["y"]
        )
        assert not overlaps, f"{link.text_content()} lies under the command bar"
        expect(link).to_be_in_viewport()
