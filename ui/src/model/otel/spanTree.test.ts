import { describe, expect, it } from "vitest";
import {
  type FlatSpan,
  type SpanTree,
  barGeometry,
  buildSpanTree,
  ancestorIds,
  descendantCount,
  isoToMs,
  parentsOf,
  timelineTicks,
  visibleRows,
} from "./spanTree";
import { must } from "../../testing/must";

const span = (id: string, parentId: string | null, startMs: number, endMs: number): FlatSpan => ({
  id,
  parentId,
  startMs,
  endMs,
});

const node = (tree: SpanTree<FlatSpan>, id: string) => must(tree.byId.get(id), `span ${id}`);

describe("buildSpanTree", () => {
  const spans = [
    span("c", "a", 20, 30),
    span("a", null, 0, 100),
    span("b", "a", 10, 40),
    span("d", "b", 12, 15),
    span("x", "missing", 50, 60),
  ];
  const tree = buildSpanTree(spans);

  it("nests children under parents, ordered by start", () => {
    expect(tree.roots.map((n) => n.span.id)).toEqual(["a", "x"]);
    expect(node(tree, "a").children.map((n) => n.span.id)).toEqual(["b", "c"]);
    expect(node(tree, "d").depth).toBe(2);
    expect(tree.maxDepth).toBe(2);
    expect([tree.startMs, tree.endMs]).toEqual([0, 100]);
  });

  it("names a span's ancestors, nearest first, and none for a root or an unknown span", () => {
    expect(ancestorIds(tree, "d")).toEqual(["b", "a"]);
    expect(ancestorIds(tree, "a")).toEqual([]);
    expect(ancestorIds(tree, "nope")).toEqual([]);
  });

  it("keeps spans whose parent is not in the trace, marked as orphans", () => {
    expect(node(tree, "x").orphan).toBe(true);
    expect(node(tree, "a").orphan).toBe(false);
  });

  it("survives parent cycles and duplicates", () => {
    const t = buildSpanTree([span("p", "q", 0, 1), span("q", "p", 0, 1), span("r", null, 0, 1), span("r", null, 5, 6)]);
    expect(t.byId.size).toBe(3);
    const ids = visibleRows(t.roots, new Set()).map((n) => n.span.id);
    expect(ids.sort()).toEqual(["p", "q", "r"]);
  });

  it("handles a 10,000-deep chain without recursion", () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : null, i, 20_000 - i));
    const t = buildSpanTree(chain);
    expect(t.maxDepth).toBe(9_999);
    expect(visibleRows(t.roots, new Set())).toHaveLength(10_000);
    expect(descendantCount(t.roots[0])).toBe(9_999);
  });

  it("handles an empty trace", () => {
    const t = buildSpanTree([]);
    expect(t.roots).toEqual([]);
    expect([t.startMs, t.endMs]).toEqual([0, 0]);
  });
});

describe("visibleRows", () => {
  const tree = buildSpanTree([
    span("a", null, 0, 10),
    span("b", "a", 1, 2),
    span("c", "b", 1, 2),
    span("d", "a", 3, 4),
  ]);
  it("lists depth first in display order", () => {
    expect(visibleRows(tree.roots, new Set()).map((n) => n.span.id)).toEqual(["a", "b", "c", "d"]);
  });
  it("hides what is under a collapsed span", () => {
    expect(visibleRows(tree.roots, new Set(["b"])).map((n) => n.span.id)).toEqual(["a", "b", "d"]);
    expect(visibleRows(tree.roots, parentsOf(tree)).map((n) => n.span.id)).toEqual(["a"]);
  });
});

describe("timeline", () => {
  it("places bars proportionally with a visible minimum", () => {
    expect(barGeometry(span("a", null, 25, 75), 0, 100)).toEqual({ leftPct: 25, widthPct: 50 });
    expect(barGeometry(span("a", null, 50, 50), 0, 100).widthPct).toBeCloseTo(0.2);
    expect(barGeometry(span("a", null, 0, 0), 0, 0)).toEqual({ leftPct: 0, widthPct: 100 });
  });
  it("ticks at round steps", () => {
    expect(timelineTicks(100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(timelineTicks(0.9, 3)).toEqual([0, 0.5]);
    expect(timelineTicks(0)).toEqual([0]);
  });
  it("keeps sub-millisecond precision of ISO times", () => {
    const a = isoToMs("2024-05-01T00:00:00.000250+00:00");
    const b = isoToMs("2024-05-01T00:00:00.001+00:00");
    expect(b - a).toBeCloseTo(0.75, 6);
    expect(isoToMs("2024-05-01T00:00:00Z")).toBe(Date.parse("2024-05-01T00:00:00Z"));
  });
});
