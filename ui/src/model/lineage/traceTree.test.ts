import { describe, expect, it } from "vitest";
import { dependenciesFrom, traceRows } from "./traceTree";

// model <- train <- {feat_a, feat_b} <- etl (diamond)
const edges = [
  { from: "train", to: "eval", via: "model.pkl" },
  { from: "feat_a", to: "train", via: "a.csv" },
  { from: "feat_b", to: "train", via: "b.csv" },
  { from: "etl", to: "feat_a", via: "clean.csv" },
  { from: "etl", to: "feat_b", via: "clean.csv" },
  { from: "etl", to: "feat_b", via: "extra.csv" },
];

describe("traceRows", () => {
  const deps = dependenciesFrom(edges);

  it("nests dependencies and expands a shared ancestor once", () => {
    const rows = traceRows(["eval"], deps, new Set());
    expect(rows.map((r) => `${"  ".repeat(r.depth)}${r.id}${r.repeat ? " (above)" : ""}`)).toEqual([
      "eval",
      "  train",
      "    feat_a",
      "      etl",
      "    feat_b",
      "      etl (above)",
    ]);
    expect(rows[5].via).toEqual(["clean.csv", "extra.csv"]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it("hides the subtree of a collapsed row", () => {
    const rows = traceRows(["eval"], deps, new Set(["eval/train"]));
    expect(rows.map((r) => r.id)).toEqual(["eval", "train"]);
    expect(rows[1].childCount).toBe(2);
  });

  it("terminates on cycles", () => {
    const cyclic = dependenciesFrom([
      { from: "a", to: "b", via: "x" },
      { from: "b", to: "a", via: "y" },
    ]);
    expect(traceRows(["a"], cyclic, new Set()).map((r) => [r.id, r.repeat])).toEqual([
      ["a", false],
      ["b", false],
      ["a", true],
    ]);
  });
});
