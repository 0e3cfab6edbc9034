import { describe, expect, it } from "vitest";
import { NODE_HEIGHT, NODE_WIDTH, dedupeGraph, layoutGraph } from "./layout";

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
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
  });

  it("lays out a cycle and self-loop without hanging", () => {
    const pos = layoutGraph(["a", "b"], [
      { producerId: "a", consumerId: "b" },
      { producerId: "b", consumerId: "a" },
      { producerId: "a", consumerId: "a" },
    ]);
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
