// The command bar's language: mltrace's UI commands plus lineage, flag/unflag, review, tasks, otel and help.
// Parsing is pure so it is unit-tested; the bar turns a parsed command into a route or a mutation.

export type Command =
  | { kind: "recent"; n?: number }
  | { kind: "history"; component: string; n?: number }
  | { kind: "inspect"; runId: string }
  | { kind: "trace"; output: string }
  | { kind: "lineage"; output: string }
  | { kind: "tag"; tag: string }
  | { kind: "flag"; output: string }
  | { kind: "unflag"; output: string }
  | { kind: "review" }
  | { kind: "tasks" }
  | { kind: "task"; task: string }
  | { kind: "otel"; traceId: string }
  | { kind: "help" };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

export interface CommandSpec {
  name: Command["kind"];
  usage: string;
  description: string;
  /** What the first argument completes against, if anything. */
  completes?: "component" | "tag" | "output" | "run" | "task";
}

export const COMMANDS: CommandSpec[] = [
  { name: "recent", usage: "recent [N]", description: "Most recent component runs, newest first (the home page)." },
  {
    name: "history",
    usage: "history COMPONENT [N]",
    description: "Runs of one component, newest first; N defaults to 10.",
    completes: "component",
  },
  { name: "inspect", usage: "inspect RUN_ID", description: "Everything about one run.", completes: "run" },
  {
    name: "trace",
    usage: "trace OUTPUT_ID",
    description: "The run that produced an output and its dependencies, as a tree.",
    completes: "output",
  },
  {
    name: "lineage",
    usage: "lineage OUTPUT_ID",
    description: "The lineage graph of an output (upstream or downstream, any depth).",
    completes: "output",
  },
  { name: "tag", usage: "tag TAG", description: "Components carrying a tag and their latest runs.", completes: "tag" },
  {
    name: "flag",
    usage: "flag OUTPUT_ID",
    description: "Mark an output as wrong; it joins the review.",
    completes: "output",
  },
  { name: "unflag", usage: "unflag OUTPUT_ID", description: "Clear an output's flag.", completes: "output" },
  { name: "review", usage: "review", description: "Flagged outputs and the runs most likely at fault." },
  { name: "tasks", usage: "tasks", description: "Monitored tasks, worst drift first." },
  {
    name: "task",
    usage: "task NAME",
    description: "One task's metric, output distribution and drift per window.",
    completes: "task",
  },
  { name: "otel", usage: "otel TRACE_ID", description: "The OpenTelemetry span tree of one trace, with timeline." },
  { name: "help", usage: "help", description: "This list." },
];

export const DEFAULT_HISTORY_N = 10;
const RUN_ID = /^[0-9a-f]{16}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;

/** Splits on whitespace; "double" or 'single' quotes keep spaces inside one argument. */
export function tokenize(text: string): { tokens: string[]; error?: string } {
  const tokens: string[] = [];
  let current = "";
  let quote: string | null = null;
  let inToken = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) return { tokens, error: `unclosed ${quote} quote` };
  if (inToken) tokens.push(current);
  return { tokens };
}

function positiveInt(raw: string, what: string): number | string {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) return `${what} must be a positive whole number, not '${raw}'`;
  return Number(raw);
}

export function parseCommand(text: string): ParseResult {
  const { tokens, error } = tokenize(text.trim());
  if (error) return { ok: false, error: `Cannot read the command: ${error}.` };
  if (tokens.length === 0) return { ok: false, error: "Type a command, for example: recent, history etl 5, help." };
  const [name, ...args] = tokens;
  const spec = COMMANDS.find((c) => c.name === name.toLowerCase());
  if (!spec) return { ok: false, error: `Unknown command '${name}'. Type help to list the commands.` };
  const fail = (why: string): ParseResult => ({ ok: false, error: `${why} Usage: ${spec.usage}` });
  const maxArgs = (spec.usage.match(/ /g) ?? []).length;
  if (args.length > maxArgs) return fail(`Too many arguments for ${spec.name}.`);

  switch (spec.name) {
    case "recent": {
      if (args.length === 0) return { ok: true, command: { kind: "recent" } };
      const n = positiveInt(args[0], "N");
      return typeof n === "string" ? fail(n + ".") : { ok: true, command: { kind: "recent", n } };
    }
    case "history": {
      if (args.length === 0) return fail("history needs a component name.");
      if (args.length === 1) return { ok: true, command: { kind: "history", component: args[0] } };
      const n = positiveInt(args[1], "N");
      return typeof n === "string" ? fail(n + ".") : { ok: true, command: { kind: "history", component: args[0], n } };
    }
    case "inspect": {
      if (args.length === 0) return fail("inspect needs a run id.");
      const runId = args[0].toLowerCase();
      if (!RUN_ID.test(runId)) return fail(`'${args[0]}' is not a run id (16 hexadecimal characters).`);
      return { ok: true, command: { kind: "inspect", runId } };
    }
    case "otel": {
      if (args.length === 0) return fail("otel needs a trace id.");
      const traceId = args[0].toLowerCase();
      if (!TRACE_ID.test(traceId)) return fail(`'${args[0]}' is not a trace id (32 hexadecimal characters).`);
      return { ok: true, command: { kind: "otel", traceId } };
    }
    case "trace":
    case "lineage":
    case "flag":
    case "unflag":
      if (args.length === 0) return fail(`${spec.name} needs an output id.`);
      return { ok: true, command: { kind: spec.name, output: args[0] } };
    case "tag":
      if (args.length === 0) return fail("tag needs a tag name.");
      return { ok: true, command: { kind: "tag", tag: args[0] } };
    case "review":
      return { ok: true, command: { kind: "review" } };
    case "tasks":
      return { ok: true, command: { kind: "tasks" } };
    case "task":
      if (args.length === 0) return fail("task needs a task name.");
      return { ok: true, command: { kind: "task", task: args[0] } };
    case "help":
      return { ok: true, command: { kind: "help" } };
  }
}

/** Quotes an argument when it would not survive tokenize() as one token. */
export function quoteArg(arg: string): string {
  if (arg !== "" && !/[\s"']/.test(arg)) return arg;
  return arg.includes('"') ? `'${arg}'` : `"${arg}"`;
}
