import { describe, expect, it } from "vitest";
import { GROUP_AT, findGroups, groupEdges, groupId } from "./groups";

const fanIn = (n: number) => {
  const runs = [{ id: "train", depth: 0, component: "train" }];
  const edges = [];
  for (let i = 0; i < n; i++) {
    runs.push({ id: `f${i}`, depth: 1, component: "featuregen" }, { id: `c${i}`, depth: 2, component: "clean" });
    edges.push(
      { id: `f${i}->train`, producerId: `f${i}`, consumerId: "train", via: [`features-${i}.csv`] },
      { id: `c${i}->f${i}`, producerId: `c${i}`, consumerId: `f${i}`, via: [`clean-${i}.csv`] },
    );
  }
  return { runs, edges };
};

describe("run groups", () => {
  it("groups a component's runs at one depth from GROUP_AT on, and chains the groups", () => {
    const { runs, edges } = fanIn(124);
    const groups = findGroups(runs);
    expect(groups.map((g) => [g.component, g.members.length])).toEqual([
      ["featuregen", 124],
      ["clean", 124],
    ]);
    const drawn = groupEdges(edges, groups);
    expect(drawn.map((e) => e.id).sort()).toEqual([
      `${groupId("featuregen", 1)}->train`,
      `${groupId("clean", 2)}->${groupId("featuregen", 1)}`,
    ]);
    expect(drawn.find((e) => e.consumerId === "train")?.via).toHaveLength(124);
  });

  it("leaves small fan-ins and expanded groups as runs", () => {
    expect(findGroups(fanIn(GROUP_AT - 1).runs)).toEqual([]);
    const expanded = new Set([groupId("clean", 2)]);
    expect(findGroups(fanIn(20).runs, expanded).map((g) => g.component)).toEqual(["featuregen"]);
  });
});
