import { describe, expect, it } from "vitest";
import { type Catalog, rank, suggest } from "./complete";

const catalog: Catalog = {
  components: ["etl", "evaluate", "train", "feature_etl"],
  tags: ["nightly", "training"],
  outputs: ["data/clean.csv", "model.pkl", "my file.csv"],
  runs: ["0123456789abcdef"],
  tasks: [],
};

describe("suggest", () => {
  it("completes command names", () => {
    expect(suggest("h", catalog).map((s) => s.label)).toEqual(["help", "history"]);
    expect(suggest("hist", catalog)[0]).toMatchObject({ text: "history ", label: "history" });
    expect(suggest("", catalog).length).toBeGreaterThan(5);
  });

  it("completes component names, prefix matches first", () => {
    expect(suggest("history e", catalog).map((s) => s.label)).toEqual(["etl", "evaluate", "feature_etl"]);
    expect(suggest("history ", catalog).map((s) => s.label)).toEqual(["etl", "evaluate", "feature_etl", "train"]);
    expect(suggest("HISTORY tr", catalog)[0].text).toBe("history train");
  });

  it("completes tags and outputs, quoting outputs with spaces", () => {
    expect(suggest("tag nig", catalog).map((s) => s.text)).toEqual(["tag nightly"]);
    expect(suggest("tag n", catalog).map((s) => s.text)).toEqual(["tag nightly", "tag training"]);
    expect(suggest("trace my", catalog).map((s) => s.text)).toEqual(['trace "my file.csv"']);
    expect(suggest("flag clean", catalog).map((s) => s.text)).toEqual(["flag data/clean.csv"]);
  });

  it("offers nothing once the argument is complete or the command takes none", () => {
    expect(suggest("history etl ", catalog)).toEqual([]);
    expect(suggest("history etl", catalog).map((s) => s.label)).toEqual(["feature_etl"]);
    expect(suggest("review ", catalog)).toEqual([]);
    expect(suggest("nonsense x", catalog)).toEqual([]);
  });
});

describe("rank", () => {
  it("deduplicates and caps", () => {
    expect(rank(["b", "a", "a", "ab"], "a")).toEqual(["a", "ab"]);
    expect(
      rank(
        Array.from({ length: 50 }, (_, i) => `c${i}`),
        "c",
        5,
      ),
    ).toHaveLength(5);
  });
});
