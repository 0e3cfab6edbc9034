import { describe, expect, it } from "vitest";
import { must } from "../../testing/must";
import {
  NODE_HEIGHT,
  NODE_WIDTH,
  type Positioned,
  fitViewport,
  layoutGraph,
  layoutWithRoutes,
  routedPath,
} from "./layout";

interface Edge {
  producerId: string;
  consumerId: string;
}
const edge = (producerId: string, consumerId: string): Edge => ({ producerId, consumerId });
const at = (positions: Map<string, Positioned>, id: string) => must(positions.get(id), `a position for ${id}`);

function expectProducersLeft(positions: Map<string, Positioned>, edges: readonly Edge[]): void {
  for (const e of edges) expect(at(positions, e.producerId).x).toBeLessThan(at(positions, e.consumerId).x);
}

function expectNoOverlaps(positions: Map<string, Positioned>): void {
  const all = [...positions.values()];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const apart = Math.abs(all[i].x - all[j].x) >= NODE_WIDTH || Math.abs(all[i].y - all[j].y) >= NODE_HEIGHT;
      expect(apart, `${all[i].id} and ${all[j].id} overlap`).toBe(true);
    }
  }
}

const SHARD_STAGES = ["extract", "clean", "validate", "featurize"];

/** `shards` chains of four runs merged into one run, then a tail of runs after the merge. */
function fanIn(shards: number, tail: string[]): { ids: string[]; edges: Edge[] } {
  const ids: string[] = [];
  const edges: Edge[] = [];
  for (let s = 0; s < shards; s++) {
    const chain = SHARD_STAGES.map((c) => `${c}-${s}`);
    ids.push(...chain);
    for (let i = 1; i < chain.length; i++) edges.push(edge(chain[i - 1], chain[i]));
    edges.push(edge(chain[3], "merge"));
  }
  const after = ["merge", ...tail];
  ids.push(...after);
  for (let i = 1; i < after.length; i++) edges.push(edge(after[i - 1], after[i]));
  return { ids, edges };
}

const DIAMOND = {
  ids: ["etl", "f1", "f2", "train"],
  edges: [edge("etl", "f1"), edge("etl", "f2"), edge("f1", "train"), edge("f2", "train")],
};

describe("layoutGraph", () => {
  it("puts producers left of consumers with no overlapping nodes", () => {
    const pos = layoutGraph(DIAMOND.ids, DIAMOND.edges);
    expectProducersLeft(pos, DIAMOND.edges);
    expectNoOverlaps(pos);
  });

  it("lays out a cycle and self-loop without hanging", () => {
    const pos = layoutGraph(["a", "b"], [edge("a", "b"), edge("b", "a"), edge("a", "a")]);
    expect(pos.size).toBe(2);
  });

  it("lays out a 124-shard fan-in (499 runs), every run placed once", () => {
    const { ids, edges } = fanIn(124, ["train", "evaluate"]);
    const pos = layoutGraph(ids, edges);
    expect(pos.size).toBe(499);
    expect(at(pos, "evaluate").x).toBeGreaterThan(at(pos, "merge").x);
  });
});

describe("layered layout (large graphs)", () => {
  it("places 1,000 runs quickly, producers left, no overlaps, chains aligned", () => {
    const { ids, edges } = fanIn(249, ["train", "evaluate", "publish"]);
    const started = performance.now();
    const pos = layoutGraph(ids, edges);
    const elapsed = performance.now() - started;
    expect(pos.size).toBe(1000);
    expectProducersLeft(pos, edges);
    const byColumn = new Map<number, number[]>();
    for (const p of pos.values()) byColumn.set(p.x, [...(byColumn.get(p.x) ?? []), p.y]);
    for (const ys of byColumn.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(NODE_HEIGHT);
    }
    // Each shard's four runs sit on one line.
    for (let s = 0; s < 249; s += 31) {
      const ys = SHARD_STAGES.map((c) => at(pos, `${c}-${s}`).y);
      expect(Math.max(...ys) - Math.min(...ys)).toBeLessThan(1);
    }
    expect(elapsed).toBeLessThan(5_000); // a sanity bound, not a benchmark (benchmarks/ui_bench.py measures)
  });

  it("breaks cycles and keeps every node", () => {
    const pos = layoutGraph(["a", "b", "c", "lonely"], [edge("a", "b"), edge("b", "c"), edge("c", "a")], {
      dagreLimit: 0,
    });
    expect(pos.size).toBe(4);
    expectNoOverlaps(pos);
  });

  it("agrees with dagre on direction for a small diamond", () => {
    const pos = layoutGraph(DIAMOND.ids, DIAMOND.edges, { dagreLimit: 0 });
    expectProducersLeft(pos, DIAMOND.edges);
    expect(at(pos, "f1").x).toBe(at(pos, "f2").x);
    expect(at(pos, "f1").y).not.toBe(at(pos, "f2").y);
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
    const edges = [edge("featurize", "train"), edge("train", "evaluate"), edge("featurize", "evaluate")];
    const { positions, routes } = layoutWithRoutes(ids, edges);
    const bends = must(routes.get("featurize->evaluate"), "a route featurize->evaluate");
    expect(bends.length).toBeGreaterThan(0);
    const train = at(positions, "train");
    // The bend in train's rank lies outside train's box.
    const inRank = bends.filter((p) => p.x >= train.x && p.x <= train.x + NODE_WIDTH);
    expect(inRank.length).toBeGreaterThan(0);
    for (const p of inRank) expect(p.y < train.y || p.y > train.y + NODE_HEIGHT).toBe(true);
    // Adjacent ranks: at most a midpoint.
    expect(must(routes.get("featurize->train"), "a route featurize->train").length).toBeLessThanOrEqual(1);
  });

  it("draws a direct edge as one curve and a routed one through its bends", () => {
    expect(routedPath({ x: 0, y: 0 }, [], { x: 100, y: 0 })).toBe("M0,0C50,0 50,0 100,0");
    const d = routedPath({ x: 0, y: 0 }, [{ x: 50, y: 40 }], { x: 100, y: 0 });
    expect(d).toBe("M0,0Q50,40 100,0");
  });
});
