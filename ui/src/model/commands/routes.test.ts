import { describe, expect, it } from "vitest";
import { parseCommand } from "./parse";
import { commandPath, pathCommand } from "./routes";

function roundTrip(text: string): string {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(parsed.error);
  const url = new URL(commandPath(parsed.command), "http://x");
  return pathCommand(url.pathname, url.search);
}

describe("command URLs", () => {
  it("gives every view its own URL", () => {
    const cases: [string, string][] = [
      ["recent", "/recent"],
      ["recent 40", "/recent?n=40"],
      ["history etl 5", "/history/etl?n=5"],
      ["inspect 0123456789abcdef", "/run/0123456789abcdef"],
      ["trace data/clean.csv", "/trace/data%2Fclean.csv"],
      ["lineage model.pkl", "/lineage/output/model.pkl"],
      ["tag nightly", "/tag/nightly"],
      ["flag p1", "/trace/p1"],
      ["review", "/review"],
      ["tasks", "/tasks"],
      ['task "fraud model"', "/task/fraud%20model"],
      ["help", "/help"],
    ];
    for (const [text, path] of cases) {
      const parsed = parseCommand(text);
      expect(parsed.ok && commandPath(parsed.command)).toBe(path);
    }
  });

  it("reads the command back from a URL, so a reloaded page shows its command", () => {
    for (const text of [
      "recent",
      "recent 40",
      "history etl 5",
      "history etl",
      "inspect 0123456789abcdef",
      "trace data/clean.csv",
      'trace "s3://bucket/a b.csv"',
      "lineage model.pkl",
      "tag nightly",
      "review",
      "tasks",
      "task fraud",
      'task "fraud model"',
      "help",
      "otel " + "1".repeat(32),
    ]) {
      expect(roundTrip(text)).toBe(text);
    }
    expect(pathCommand("/", "")).toBe("recent");
    expect(pathCommand("/nowhere", "")).toBe("");
  });

  it("survives a path whose slashes were not encoded", () => {
    expect(pathCommand("/trace/data/clean.csv", "")).toBe("trace data/clean.csv");
  });
});
