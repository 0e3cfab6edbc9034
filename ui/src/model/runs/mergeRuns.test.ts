import { describe, expect, it } from "vitest";
import { mergeRuns } from "./mergeRuns";

const run = (id: string, startTime: string) => ({ id, startTime });

describe("mergeRuns", () => {
  it("puts runs that arrived live on top and keeps each run once", () => {
    const firstPage = [run("c", "2024-01-03T00:00:00Z"), run("b", "2024-01-02T00:00:00Z")];
    const appended = [run("b", "2024-01-02T00:00:00Z"), run("a", "2024-01-01T00:00:00Z")];
    expect(mergeRuns(firstPage, appended).map((r) => r.id)).toEqual(["c", "b", "a"]);
  });
  it("orders equal start times by id, descending", () => {
    const t = "2024-01-01T00:00:00Z";
    expect(mergeRuns([run("a", t), run("c", t)], [run("b", t)]).map((r) => r.id)).toEqual(["c", "b", "a"]);
  });
});
