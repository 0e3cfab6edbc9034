import { describe, expect, it } from "vitest";
import type { TreeRowData } from "../../api/operations";
import { traceRows } from "./traceTree";

const row = (runId: string, depth: number, parent: number | null, via: string[] = [], shared = false) => ({
  runId,
  depth,
  parent,
  via,
  shared,
});

// eval <- train <- {feat_a, feat_b} <- etl (diamond), as the server's lineage { tree } sends it.
const DIAMOND: TreeRowData[] = [
  row("eval", 0, null),
  row("train", 1, 0, ["model.pkl"]),
  row("feat_a", 2, 1, ["a.csv"]),
  row("etl", 3, 2, ["clean.csv"]),
  row("feat_b", 2, 1, ["b.csv"]),
  row("etl", 3, 4, ["clean.csv", "extra.csv"], true),
];

describe("traceRows", () => {
  it("shows the tree as sent, a shared ancestor marked as such", () => {
    const rows = traceRows(DIAMOND, new Set());
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
    const rows = traceRows(DIAMOND, new Set(["eval/train"]));
    expect(rows.map((r) => r.id)).toEqual(["eval", "train"]);
    expect(rows[1].childCount).toBe(2);
  });

  it("walks a chain thousands of levels deep without recursion", () => {
    const chain = Array.from({ length: 5_000 }, (_, i) => row(`r${i}`, i, i === 0 ? null : i - 1, [`d${i}`]));
    const rows = traceRows(chain, new Set());
    expect(rows).toHaveLength(5_000);
    expect(rows[4_999].depth).toBe(4_999);
    expect(traceRows(chain, new Set([rows[10].key]))).toHaveLength(11);
  });
});
