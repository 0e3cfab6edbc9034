"""Legibility in both themes, read from Chromium's computed styles and boxes: the lineage minimap follows the theme,
every waterfall duration label has WCAG AA contrast (4.5:1) with what is behind it, and no edge label of the
9-run example or of the 499-run fan-in lies under a node or away from its edge.

One page for the whole file (one load, then client-side navigation and theme toggles): these read the rendering,
not the store, so they run on the SQLite store only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.engine import dispose_engines, get_engine
from mltrace_otel.store.ingest import ingest_spans
from tests.browser.conftest import UiStore
from tests.browser.pipelines import PipelineBuilder, days_ago
from tests.browser.server import Server, running_server
from tests.browser.ui import command, loaded, view

INFERENCE_OUTPUT = "wkvbqzlmxa"


def nine_run_example(base_ns: int) -> list[SpanRecord]:
    """The lineage examples/industry_ml records (its README screenshot), with its long file names: two
    ingest -> clean -> featuregen chains, training twice (the second from the first's model), inference."""
    b = PipelineBuilder("nine", base_ns)
    c = "industry-ml/"

    def chain(data: str, key: str, t: float) -> str:
        clean, features = f"clean_ingested_{data}", f"feature_clean_ingested_{data}"
        b.run(c + "ingest", t, t + 1, inputs=[data], outputs=[f"ingested_{data}"], key=key)
        b.run(c + "clean", t + 2, t + 3, inputs=[f"ingested_{data}"], outputs=[clean], key=key)
        b.run(c + "featuregen", t + 4, t + 5, inputs=[clean], outputs=[features], key=key)
        return features

    historical = chain("historical_data.csv", "h", 0)
    b.run(c + "training", 6, 8, inputs=[historical], outputs=["model.pkl"], key=1)
    b.run(c + "training", 9, 12, inputs=[historical, "model.pkl"], outputs=["prod_model.pkl"], key=2)
    live = chain("live_data.csv", "l", 13)
    b.run(c + "inference", 19, 20, inputs=[live, "prod_model.pkl"], outputs=[INFERENCE_OUTPUT], key=1)
    return b.records


@pytest.fixture(scope="module")
def nine_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("nine-runs")
    url = f"sqlite:///{tmp / 'mltrace.db'}"
    assert not ingest_spans(get_engine(url), nine_run_example(days_ago(1))).rejected
    dispose_engines()
    with running_server(url, tmp / "server.log") as server:
        yield server


pytestmark = [pytest.mark.browser, pytest.mark.parametrize("ui_store", ["sqlite"], indirect=True)]

# Colour maths in the page: computed colours come as rgb()/rgba() or, for color-mix() and friends, color(srgb ...).
COLOUR_JS = """
window.__colour = {
  parse(text) {
    let m = text.match(/^rgba?\\(([\\d.]+),? ([\\d.]+),? ([\\d.]+)(?:[,/] ?([\\d.]+%?))?\\)$/);
    const alpha = a => (a === undefined ? 1 : parseFloat(a) / (a.endsWith('%') ? 100 : 1));
    if (m) return [+m[1] / 255, +m[2] / 255, +m[3] / 255, alpha(m[4])];
    m = text.match(/^color\\(srgb ([\\d.]+) ([\\d.]+) ([\\d.]+)(?: \\/ ([\\d.]+))?\\)$/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    throw new Error('unparsed colour ' + text);
  },
  over(top, bottom) {  // top composited over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  },
  luminance(c) {
    const lin = v => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  },
  contrast(a, b) {
    const [hi, lo] = [this.luminance(a), this.luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  },
  // What is painted behind an element: the backgrounds of it and its ancestors, composited, down to the page.
  backdrop(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = this.parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [1, 1, 1, 1];
    for (const layer of layers.reverse()) colour = this.over(layer, colour);
    return colour;
  },
};
"""


@pytest.fixture(scope="module")
def legible(browser: Browser, ui_store: UiStore) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, base_url=ui_store.server.url, color_scheme="light"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.goto("/help")  # the one page load of this file
    page.evaluate(COLOUR_JS)
    yield page
    context.close()
    assert not errors, "script errors in the page:\n" + "\n".join(errors)


def set_theme(page: Page, theme: str) -> None:
    if page.locator("body").get_attribute("data-theme") != theme:
        page.get_by_test_id("theme-toggle").click()
    expect(page.locator("body")).to_have_attribute("data-theme", theme)


def lineage(page: Page, target: str) -> None:
    command(page, f"lineage {target}")
    expect(page.get_by_test_id("lineage-graph")).to_have_attribute("data-ready", "true")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_minimap_follows_the_theme(legible: Page, ui_store: UiStore, theme: str) -> None:
    page = legible
    lineage(page, "reports/metrics.json")
    set_theme(page, theme)
    expect(page.locator(".react-flow__minimap-node").first).to_be_visible()
    c: dict[str, Any] = page.evaluate(
        """() => {
          const C = window.__colour;
          const fill = sel => C.parse(getComputedStyle(document.querySelector(sel)).fill);
          const page = C.backdrop(document.body);
          const minimap = C.backdrop(document.querySelector('.react-flow__minimap'));
          const mask = C.over(fill('.react-flow__minimap-mask'), minimap);
          const node = C.over(fill('.react-flow__minimap-node'), minimap);
          return {
            page: C.luminance(page), minimap: C.luminance(minimap), mask: C.luminance(mask),
            minimapVsPage: C.contrast(minimap, page), maskVsPage: C.contrast(mask, page),
            nodeVsMinimap: C.contrast(node, minimap), nodeVsMask: C.contrast(node, mask),
          };
        }"""
    )
    dark = theme == "dark"
    assert (c["page"] < 0.2) == dark, c
    # The minimap and its veil sit on the page's side of the scale, close to it; its runs stand out from both.
    assert (c["minimap"] < 0.2) == dark and (c["mask"] < 0.2) == dark, c
    assert c["minimapVsPage"] < 1.6 and c["maskVsPage"] < 1.6, c
    assert c["nodeVsMinimap"] >= 1.5 and c["nodeVsMask"] >= 1.5, c


def edge_label_problems(page: Page) -> dict[str, Any]:
    """Each edge label's box against every node's box (screen pixels) and its distance from its own edge's curve."""
    result: dict[str, Any] = page.evaluate(
        """() => {
          const nodes = [...document.querySelectorAll('.react-flow__node')]
            .map(n => [n.dataset.id, n.getBoundingClientRect()]);
          const zoom = new DOMMatrix(getComputedStyle(document.querySelector('.react-flow__viewport')).transform).a;
          const labels = [...document.querySelectorAll('.react-flow__edge')].flatMap(edge => {
            const box = edge.querySelector('.react-flow__edge-textwrapper');
            return box ? [[edge, box]] : [];
          });
          const problems = [];
          for (const [edge, label] of labels) {
            const r = label.getBoundingClientRect();
            const name = edge.getAttribute('aria-label') || edge.dataset.id;
            for (const [id, n] of nodes) {
              if (r.left < n.right && n.left < r.right && r.top < n.bottom && n.top < r.bottom)
                problems.push(`label of ${name} over node ${id}`);
            }
            // Its centre lies on its own curve (up to a couple of pixels).
            const path = edge.querySelector('path.react-flow__edge-path');
            const ctm = path.getScreenCTM();
            const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
            let best = Infinity;
            const length = path.getTotalLength();
            for (let s = 0; s <= length; s += 1) {
              const p = path.getPointAtLength(s).matrixTransform(ctm);
              best = Math.min(best, Math.hypot(p.x - cx, p.y - cy));
            }
            if (best > 3 * Math.max(zoom, 1)) problems.push(`label of ${name} is ${best.toFixed(1)} px from its edge`);
          }
          return {labels: labels.length, nodes: nodes.length, problems};
        }"""
    )
    return result


def test_edge_labels_sit_on_their_edges_clear_of_nodes_in_the_fan_in(legible: Page, ui_store: UiStore) -> None:
    lineage(legible, ui_store.fan_in_output)
    expect(legible.get_by_test_id("lineage-group")).to_have_count(4)  # what the user sees first: the groups
    legible.locator(".react-flow__controls-fitview").click()
    found = edge_label_problems(legible)
    assert found["labels"] >= 6, found
    assert not found["problems"], found


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_waterfall_duration_labels_have_aa_contrast(legible: Page, ui_store: UiStore, theme: str) -> None:
    page = legible
    command(page, f"otel {ui_store.industry.trace_id}")
    view(page, "otel")
    loaded(page)
    set_theme(page, theme)
    rows = page.get_by_test_id("span-row")
    expect(rows).to_have_count(12)
    rows.nth(3).click()  # a selected row has its own background
    page.mouse.move(0, 0)  # and no row is hovered
    found: list[dict[str, Any]] = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=span-row]')].map(row => {
          const C = window.__colour;
          const bar = row.querySelector('.span-bar');
          const label = row.querySelector('.span-duration');
          const b = bar.getBoundingClientRect(), l = label.getBoundingClientRect();
          const onBar = l.left < b.right - 1 && b.left + 1 < l.right;
          const inside = l.left >= b.left - 0.5 && l.right <= b.right + 0.5;
          const barColour = C.parse(getComputedStyle(bar).backgroundColor);
          const behind = onBar ? C.over(barColour, C.backdrop(row)) : C.backdrop(label);
          const text = C.parse(getComputedStyle(label).color);
          return {
            span: row.dataset.spanId, label: label.textContent, place: label.className,
            onBar, inside, component: row.classList.contains('component'), failed: row.classList.contains('failed'),
            contrast: C.contrast(C.over(text, behind), behind),
          };
        })"""
    )
    assert any(f["onBar"] for f in found), found  # the root spans the trace: its label sits on its bar
    assert any(f["component"] and f["onBar"] for f in found), found  # and on purple
    for f in found:
        assert not f["onBar"] or f["inside"], f"label half on its bar: {f}"
        assert f["contrast"] >= 4.5, f


# Last: it leaves the shared page on another server.
def test_edge_labels_sit_on_their_edges_clear_of_nodes_in_the_9_run_example(legible: Page, nine_runs: Server) -> None:
    legible.goto(f"{nine_runs.url}/lineage/output/{INFERENCE_OUTPUT}")  # the example's own store: a second load
    expect(legible.get_by_test_id("lineage-graph")).to_have_attribute("data-ready", "true")
    expect(legible.get_by_test_id("lineage-count")).to_have_text("9 runs, 9 edges")
    for fit in (False, True):  # as it opens, and all of it
        if fit:
            legible.locator(".react-flow__controls-fitview").click()
        found = edge_label_problems(legible)
        assert found["labels"] >= 5 and found["nodes"] == 9, found
        assert not found["problems"], found
    # A name too long for its gap loses its middle, never its end; the whole name is the label's tooltip.
    titles = legible.locator(".react-flow__edge-textwrapper title")
    assert "feature_clean_ingested_historical_data.csv" in titles.all_text_contents()
    shown = legible.locator(".react-flow__edge-text").all_text_contents()
    assert any(t.startswith("feature") and t.endswith("data.csv") and "\u2026" in t for t in shown), shown
