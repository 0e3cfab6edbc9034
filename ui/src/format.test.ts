import { describe, expect, it } from "vitest";
import { dayBound, formatAgo, formatDuration, formatTime, formatValue, shortHash } from "./format";
import { must } from "./testing/must";

describe("formatDuration", () => {
  it("chooses a readable unit", () => {
    expect(formatDuration(0.25)).toBe("250 µs");
    expect(formatDuration(5)).toBe("5.0 ms");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
    expect(formatDuration(3 * 86_400_000 + 3_600_000)).toBe("3 d 1 h");
  });
  it("shows a dash for missing or nonsense values", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(undefined)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
  });
});

describe("times", () => {
  it("formats local times and tolerates junk", () => {
    expect(formatTime("2024-05-01T14:03:07")).toBe("2024-05-01 14:03:07");
    expect(formatTime(null)).toBe("—");
    expect(formatTime("not a date")).toBe("not a date");
  });
  it("says how long ago", () => {
    const now = Date.parse("2024-05-10T12:00:00Z");
    expect(formatAgo("2024-05-10T11:59:50Z", now)).toBe("just now");
    expect(formatAgo("2024-05-10T11:57:00Z", now)).toBe("3 min ago");
    expect(formatAgo("2024-05-10T11:00:00Z", now)).toBe("1 hour ago");
    expect(formatAgo("2024-05-08T12:00:00Z", now)).toBe("2 days ago");
    expect(formatAgo("2024-05-11T12:00:00Z", now)).toBe("in the future");
    expect(formatAgo(null, now)).toBe("");
  });
  it("turns a day into a range bound", () => {
    const start = must(dayBound("2024-05-01", false), "a start bound");
    const end = must(dayBound("2024-05-01", true), "an end bound");
    expect(new Date(end).getTime() - new Date(start).getTime()).toBe(86_400_000);
    expect(dayBound("yesterday", false)).toBeNull();
  });
});

describe("values", () => {
  it("shows strings bare and the rest as JSON", () => {
    expect(formatValue("x")).toBe("x");
    expect(formatValue(["a", 1])).toBe('["a",1]');
    expect(formatValue(true)).toBe("true");
    expect(shortHash("0123456789abcdef")).toBe("01234567");
    expect(shortHash(null)).toBe("—");
  });
});
