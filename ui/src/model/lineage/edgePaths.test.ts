import { describe, expect, it } from "vitest";
import { edgePaths } from "./edgePaths";

describe("edgePaths", () => {
  it("draws each edge from the producer's right side to the consumer's left, arrowhead at the consumer", () => {
    const positions = new Map([
      ["a", { id: "a", x: 0, y: 0 }],
      ["b", { id: "b", x: 300, y: 100 }],
    ]);
    const size = { width: 200, height: 60 };
    const edges = [
      { id: "a->b", producerId: "a", consumerId: "b", via: [] },
      { id: "a->gone", producerId: "a", consumerId: "gone", via: [] },
    ];
    expect(edgePaths(edges, positions, size)).toEqual({
      curves: "M200,30C247,30 247,130 294,130",
      arrows: "M294,126L300,130L294,134Z",
    });
  });
});
