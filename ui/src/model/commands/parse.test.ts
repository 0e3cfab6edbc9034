import { describe, expect, it } from "vitest";
import { COMMANDS, parseCommand, quoteArg, tokenize } from "./parse";

const ok = (text: string) => {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.error}`);
  return result.command;
};
const error = (text: string) => {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`expected ${text} to fail, got ${JSON.stringify(result.command)}`);
  return result.error;
};

describe("parseCommand", () => {
  it("reads every mltrace command", () => {
    expect(ok("recent")).toEqual({ kind: "recent" });
    expect(ok("recent 25")).toEqual({ kind: "recent", n: 25 });
    expect(ok("history etl")).toEqual({ kind: "history", component: "etl" });
    expect(ok("history etl 15")).toEqual({ kind: "history", component: "etl", n: 15 });
    expect(ok("inspect 00F067AA0BA902B7")).toEqual({ kind: "inspect", runId: "00f067aa0ba902b7" });
    expect(ok("trace data/clean.csv")).toEqual({ kind: "trace", output: "data/clean.csv" });
    expect(ok("lineage model.pkl")).toEqual({ kind: "lineage", output: "model.pkl" });
    expect(ok("tag training")).toEqual({ kind: "tag", tag: "training" });
    expect(ok("flag pred-7")).toEqual({ kind: "flag", output: "pred-7" });
    expect(ok("unflag pred-7")).toEqual({ kind: "unflag", output: "pred-7" });
    expect(ok("review")).toEqual({ kind: "review" });
    expect(ok("help")).toEqual({ kind: "help" });
    expect(ok("otel " + "ab".repeat(16))).toEqual({ kind: "otel", traceId: "ab".repeat(16) });
  });

  it("ignores case of the command name and surrounding space", () => {
    expect(ok("  HISTORY Train 3 ")).toEqual({ kind: "history", component: "Train", n: 3 });
  });

  it("keeps quoted arguments whole", () => {
    expect(ok('trace "my data/file one.csv"')).toEqual({ kind: "trace", output: "my data/file one.csv" });
    expect(ok("history 'feature eng' 2")).toEqual({ kind: "history", component: "feature eng", n: 2 });
  });

  it("says what is wrong and how to write it", () => {
    expect(error("")).toMatch(/Type a command/);
    expect(error("recnt")).toBe("Unknown command 'recnt'. Type help to list the commands.");
    expect(error("history")).toMatch(/needs a component name.*Usage: history COMPONENT \[N\]/);
    expect(error("history etl 0")).toMatch(/N must be a positive whole number, not '0'/);
    expect(error("history etl ten")).toMatch(/not 'ten'/);
    expect(error("recent -3")).toMatch(/not '-3'/);
    expect(error("inspect 42")).toMatch(/'42' is not a run id \(16 hexadecimal characters\)/);
    expect(error("otel xyz")).toMatch(/not a trace id/);
    expect(error("trace")).toMatch(/trace needs an output id/);
    expect(error("review now")).toMatch(/Too many arguments for review/);
    expect(error("history a 1 2")).toMatch(/Too many arguments/);
    expect(error('trace "unclosed')).toMatch(/unclosed " quote/);
  });

  it("documents every command it parses", () => {
    for (const spec of COMMANDS) {
      const sample = spec.usage
        .replace("RUN_ID", "0123456789abcdef")
        .replace("TRACE_ID", "0".repeat(31) + "1")
        .replace(/\[N\]/, "3")
        .replace(/[A-Z_]{3,}/g, "x");
      expect(parseCommand(sample).ok, sample).toBe(true);
    }
  });
});

describe("tokenize and quoteArg", () => {
  it("round-trips awkward arguments", () => {
    for (const arg of ["plain", "with space", 'say "hi"', "it's", "s3://bucket/key with space.parquet"]) {
      expect(tokenize(`trace ${quoteArg(arg)}`).tokens).toEqual(["trace", arg]);
    }
  });
  it("treats an empty quoted string as an argument", () => {
    expect(tokenize('trace ""').tokens).toEqual(["trace", ""]);
  });
});
