import { describe, expect, it } from "vitest";
import { CommandHistory, loadHistory, saveHistory } from "./history";

describe("CommandHistory", () => {
  it("walks back and forth like a shell, returning to the draft", () => {
    const h = new CommandHistory(["recent", "history etl"]);
    expect(h.previous("tra")).toBe("history etl");
    expect(h.previous("ignored")).toBe("recent");
    expect(h.previous("ignored")).toBeNull();
    expect(h.next()).toBe("history etl");
    expect(h.next()).toBe("tra");
    expect(h.next()).toBeNull();
  });

  it("does not store blank lines or an immediate repeat, and resets the cursor", () => {
    const h = new CommandHistory();
    h.push("recent");
    h.push("recent");
    h.push("   ");
    h.push("review");
    expect(h.all).toEqual(["recent", "review"]);
    expect(h.previous("")).toBe("review");
    h.push("help");
    expect(h.previous("")).toBe("help");
  });

  it("keeps only the newest entries", () => {
    const h = new CommandHistory([], 3);
    for (const c of ["a", "b", "c", "d"]) h.push(c);
    expect(h.all).toEqual(["b", "c", "d"]);
  });

  it("persists and survives corrupt storage", () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => store.set(k, v),
    };
    saveHistory(storage, ["recent", "review"]);
    expect(loadHistory(storage)).toEqual(["recent", "review"]);
    store.set("mltrace.commandHistory", "{not json");
    expect(loadHistory(storage)).toEqual([]);
    store.set("mltrace.commandHistory", JSON.stringify(["ok", 3, null]));
    expect(loadHistory(storage)).toEqual(["ok"]);
    expect(loadHistory(undefined)).toEqual([]);
  });
});
