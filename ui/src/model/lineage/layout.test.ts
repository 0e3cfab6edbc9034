import { describe, expect, it } from "vitest";
import { NODE_HEIGHT, NODE_WIDTH, dedupeGraph, fitViewport, layoutGraph, layoutWithRoutes, routedPath } from "./layout";

describe("dedupeGraph", () => {
  it("draws a shared ancestor once and merges parallel edges", () => {
    const nodes = [{ id: "root" }, { id: "a" }, { id: "b" }, { id: "root" }];
    const edges = [
      { producerId: "root", consumerId: "a", via: "x.csv" },
      { producerId: "root", consumerId: "b", via: "x.csv" },
      { producerId: "root", consumerId: "a", via: "y.csv" },
      { producerId: "root", consumerId: "a", via: "x.csv" },
      { producerId: "gone", consumerId: "a", via: "z.csv" },
    ];
    const g = dedupeGraph(nodes, edges);
    expect(g.nodes.map((n) => n.id)).toEqual(["root", "a", "b"]);
    expect(g.edges).toEqual([
      { id: "root->a", producerId: "root", consumerId: "a", via: ["x.csv", "y.csv"] },
      { id: "root->b", producerId: "root", consumerId: "b", via: ["x.csv"] },
    ]);
    expect(g.dangling).toBe(1);
  });
});

function overlaps(a: { x: number; y: number }, b: { x: number; y: number }): boolean {
  return Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;
}

describe("layoutGraph", () => {
  it("puts producers left of consumers with no overlapping nodes", () => {
    const ids = ["etl", "feat1", "feat2", "train"];
    const edges = [
      { producerId: "etl", consumerId: "feat1" },
      { producerId: "etl", consumerId: "feat2" },
      { producerId: "feat1", consumerId: "train" },
      { producerId: "feat2", consumerId: "train" },
    ];
    const pos = layoutGraph(ids, edges);
    for (const e of edges) expect(pos.get(e.producerId)!.x).toBeLessThan(pos.get(e.consumerId)!.x);
    const all = [...pos.values()];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
  });

  it("lays out a cycle and self-loop without hanging", () => {
    const pos = layoutGraph(
      ["a", "b"],
      [
        { producerId: "a", consumerId: "b" },
        { producerId: "b", consumerId: "a" },
        { producerId: "a", consumerId: "a" },
      ],
    );
    expect(pos.size).toBe(2);
  });

  it("lays out a 124-shard fan-in (499 runs), every run placed once", () => {
    const ids: string[] = [];
    const edges: { producerId: string; consumerId: string }[] = [];
    for (let s = 0; s < 124; s++) {
      const chain = ["extract", "clean", "validate", "featurize"].map((c) => `${c}-${s}`);
      ids.push(...chain);
      for (let i = 1; i < chain.length; i++) edges.push({ producerId: chain[i - 1], consumerId: chain[i] });
      edges.push({ producerId: chain[3], consumerId: "merge" });
    }
    ids.push("merge", "train", "evaluate");
    edges.push({ producerId: "merge", consumerId: "train" }, { producerId: "train", consumerId: "evaluate" });
    const pos = layoutGraph(ids, edges);
    expect(pos.size).toBe(499);
    expect(pos.get("evaluate")!.x).toBeGreaterThan(pos.get("merge")!.x);
  });
});

describe("layered layout (large graphs)", () => {
  function fanIn(shards: number) {
    const ids: string[] = [];
    const edges: { producerId: string; consumerId: string }[] = [];
    for (let s = 0; s < shards; s++) {
      const chain = ["extract", "clean", "validate", "featurize"].map((c) => `${c}-${s}`);
      ids.push(...chain);
      for (let i = 1; i < chain.length; i++) edges.push({ producerId: chain[i - 1], consumerId: chain[i] });
      edges.push({ producerId: chain[3], consumerId: "merge" });
    }
    ids.push("merge", "train", "evaluate", "publish");
    edges.push(
      { producerId: "merge", consumerId: "train" },
      { producerId: "train", consumerId: "evaluate" },
      { producerId: "evaluate", consumerId: "publish" },
    );
    return { ids, edges };
  }

  it("places 1,000 runs quickly, producers left, no overlaps, chains aligned", () => {
    const { ids, edges } = fanIn(249);
    const started = performance.now();
    const pos = layoutGraph(ids, edges);
    const elapsed = performance.now() - started;
    expect(pos.size).toBe(1000);
    for (const e of edges) expect(pos.get(e.producerId)!.x).toBeLessThan(pos.get(e.consumerId)!.x);
    const byColumn = new Map<number, number[]>();
    for (const p of pos.values()) byColumn.set(p.x, [...(byColumn.get(p.x) ?? []), p.y]);
    for (const ys of byColumn.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(NODE_HEIGHT);
    }
    // Each shard's four runs sit on one line.
    for (let s = 0; s < 249; s += 31) {
      const ys = ["extract", "clean", "validate", "featurize"].map((c) => pos.get(`${c}-${s}`)!.y);
      expect(Math.max(...ys) - Math.min(...ys)).toBeLessThan(1);
    }
    expect(elapsed).toBeLessThan(5_000); // a sanity bound, not a benchmark (benchmarks/ui_bench.py measures)
  });

  it("breaks cycles and keeps every node", () => {
    const ids = ["a", "b", "c", "lonely"];
    const edges = [
      { producerId: "a", consumerId: "b" },
      { producerId: "b", consumerId: "c" },
      { producerId: "c", consumerId: "a" },
    ];
    const pos = layoutGraph(ids, edges, { dagreLimit: 0 });
    expect(pos.size).toBe(4);
    const all = [...pos.values()];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
  });

  it("agrees with dagre on direction for a small diamond", () => {
    const ids = ["etl", "f1", "f2", "train"];
    const edges = [
      { producerId: "etl", consumerId: "f1" },
      { producerId: "etl", consumerId: "f2" },
      { producerId: "f1", consumerId: "train" },
      { producerId: "f2", consumerId: "train" },
    ];
    const pos = layoutGraph(ids, edges, { dagreLimit: 0 });
    for (const e of edges) expect(pos.get(e.producerId)!.x).toBeLessThan(pos.get(e.consumerId)!.x);
    expect(pos.get("f1")!.x).toBe(pos.get("f2")!.x);
    expect(pos.get("f1")!.y).not.toBe(pos.get("f2")!.y);
  });
});

describe("fitViewport", () => {
  it("centres the graph and zooms to fit, never above 1", () => {
    const small = fitViewport([{ id: "a", x: 0, y: 0 }], { width: 1000, height: 500 }, { padding: 0 });
    expect(small.zoom).toBe(1);
    expect(small.x + (NODE_WIDTH / 2) * small.zoom).toBeCloseTo(500);
    const tall = fitViewport(
      [
        { id: "a", x: 0, y: 0 },
        { id: "b", x: 0, y: 10_000 - NODE_HEIGHT },
      ],
      { width: 1000, height: 500 },
      { padding: 0 },
    );
    expect(tall.zoom).toBeCloseTo(0.05);
    expect(tall.y + 5_000 * tall.zoom).toBeCloseTo(250);
    expect(fitViewport([], { width: 10, height: 10 })).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});

describe("edge routes", () => {
  it("bends an edge that skips a rank around the run in between", () => {
    // featurize feeds train and evaluate; train feeds evaluate: featurize->evaluate spans two ranks.
    const ids = ["featurize", "train", "evaluate"];
    const edges = [
      { producerId: "featurize", consumerId: "train" },
      { producerId: "train", consumerId: "evaluate" },
      { producerId: "featurize", consumerId: "evaluate" },
    ];
    const { positions, routes } = layoutWithRoutes(ids, edges);
    const bends = routes.get("featurize->evaluate")!;
    expect(bends.length).toBeGreaterThan(0);
    const train = positions.get("train")!;
    // The bend in train's rank lies outside train's box.
    const inRank = bends.filter((p) => p.x >= train.x && p.x <= train.x + NODE_WIDTH);
    expect(inRank.length).toBeGreaterThan(0);
    for (const p of inRank) expect(p.y < train.y || p.y > train.y + NODE_HEIGHT).toBe(true);
    expect(routes.get("featurize->train")!.length).toBeLessThanOrEqual(1); // adjacent ranks: at most a midpoint
  });

  it("draws a direct edge as one curve and a routed one through its bends", () => {
    expect(routedPath({ x: 0, y: 0 }, [], { x: 100, y: 0 })).toBe("M0,0C50,0 50,0 100,0");
    const d = routedPath({ x: 0, y: 0 }, [{ x: 50, y: 40 }], { x: 100, y: 0 });
    expect(d).toBe("M0,0Q50,40 100,0");
  });
});
