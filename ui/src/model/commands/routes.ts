// Every view has its own URL so reload and sharing work; these helpers are the one place URLs are spelled.

import { type Command, quoteArg as q } from "./parse";

const enc = encodeURIComponent;

export const paths = {
  recent: (n?: number) => (n ? `/recent?n=${n}` : "/recent"),
  history: (component: string, n?: number) => `/history/${enc(component)}${n ? `?n=${n}` : ""}`,
  run: (id: string) => `/run/${id}`,
  trace: (output: string) => `/trace/${enc(output)}`,
  lineageOfOutput: (output: string) => `/lineage/output/${enc(output)}`,
  lineageOfRun: (id: string) => `/lineage/run/${id}`,
  tag: (tag: string) => `/tag/${enc(tag)}`,
  review: () => "/review",
  tasks: () => "/tasks",
  task: (name: string) => `/task/${enc(name)}`,
  otel: (traceId: string, spanId?: string) => `/otel/${traceId}${spanId ? `?span=${spanId}` : ""}`,
  component: (name: string) => `/history/${enc(name)}`,
  help: () => "/help",
};

/** The route a command shows; flag/unflag show the output's trace after their mutation ran. */
export function commandPath(command: Command): string {
  switch (command.kind) {
    case "recent":
      return paths.recent(command.n);
    case "history":
      return paths.history(command.component, command.n);
    case "inspect":
      return paths.run(command.runId);
    case "trace":
    case "flag":
    case "unflag":
      return paths.trace(command.output);
    case "lineage":
      return paths.lineageOfOutput(command.output);
    case "tag":
      return paths.tag(command.tag);
    case "review":
      return paths.review();
    case "tasks":
      return paths.tasks();
    case "task":
      return paths.task(command.task);
    case "otel":
      return paths.otel(command.traceId);
    case "help":
      return paths.help();
  }
}

/** The command a URL corresponds to, so the bar shows what the page is (after a reload or a shared link). */
export function pathCommand(pathname: string, search: string): string {
  const params = new URLSearchParams(search);
  const parts = pathname.split("/").filter(Boolean).map(safeDecode);
  const n = params.get("n");
  switch (parts.at(0)) {
    case undefined:
    case "recent":
      return n ? `recent ${n}` : "recent";
    case "history":
      return parts[1] ? `history ${q(parts[1])}${n ? ` ${n}` : ""}` : "";
    case "run":
      return parts[1] ? `inspect ${parts[1]}` : "";
    case "trace":
      return parts.length > 1 ? `trace ${q(parts.slice(1).join("/"))}` : "";
    case "lineage":
      if (parts[1] === "output" && parts.length > 2) return `lineage ${q(parts.slice(2).join("/"))}`;
      return "";
    case "tag":
      return parts[1] ? `tag ${q(parts[1])}` : "";
    case "review":
      return "review";
    case "tasks":
      return "tasks";
    case "task":
      return parts.length > 1 ? `task ${q(parts.slice(1).join("/"))}` : "";
    case "otel":
      return parts[1] ? `otel ${parts[1]}` : "";
    case "help":
      return "help";
    default:
      return "";
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
