import { describe, expect, it } from "vitest";
import { edgesVia } from "./edgesVia";

describe("edgesVia", () => {
  it("lists each run once, in first-seen order, with every pointer it came through", () => {
    const a = { id: "a" };
    const b = { id: "b" };
    const { runs, via } = edgesVia([
      { via: "x.csv", run: a },
      { via: "", run: b },
      { via: "y.csv", run: a },
    ]);
    expect(runs).toEqual([a, b]);
    expect(via.get("a")).toEqual(["x.csv", "y.csv"]);
    expect(via.get("b")).toEqual(["span link"]);
  });
});
