// Autocomplete for the command bar: command names first, then the argument the command takes
// (component names, tags, outputs, run ids, task names) from a catalog fetched once and refreshed with live updates.

import { COMMANDS, quoteArg, tokenize } from "./parse";

export interface Catalog {
  components: string[];
  tags: string[];
  outputs: string[];
  runs: string[];
  tasks: string[];
}

export const EMPTY_CATALOG: Catalog = { components: [], tags: [], outputs: [], runs: [], tasks: [] };

export interface Suggestion {
  /** The whole command line this suggestion completes to. */
  text: string;
  /** What to show: the completed word. */
  label: string;
  detail?: string;
}

const MAX_SUGGESTIONS = 12;

/** Prefix matches first, then substring matches, each alphabetical; case-insensitive. */
export function rank(candidates: Iterable<string>, typed: string, limit = MAX_SUGGESTIONS): string[] {
  const needle = typed.toLowerCase();
  const prefix: string[] = [];
  const inside: string[] = [];
  for (const c of new Set(candidates)) {
    const hay = c.toLowerCase();
    if (hay.startsWith(needle)) prefix.push(c);
    else if (needle && hay.includes(needle)) inside.push(c);
  }
  const byName = (a: string, b: string) => a.localeCompare(b);
  return [...prefix.sort(byName), ...inside.sort(byName)].slice(0, limit);
}

export function suggest(line: string, catalog: Catalog): Suggestion[] {
  const { tokens, error } = tokenize(line);
  const endsWithSpace = /\s$/.test(line) && !error;
  if (tokens.length === 0 || (tokens.length === 1 && !endsWithSpace)) {
    const typed = tokens[0] ?? "";
    const names = rank(
      COMMANDS.map((c) => c.name),
      typed,
    );
    return names
      .filter((name) => name !== typed)
      .flatMap((name) => COMMANDS.filter((c) => c.name === name))
      .map((spec) => ({ text: spec.completes ? `${spec.name} ` : spec.name, label: spec.name, detail: spec.usage }));
  }
  const spec = COMMANDS.find((c) => c.name === tokens[0].toLowerCase());
  if (!spec?.completes) return [];
  // Only the first argument completes; once it is finished (a space after it) there is nothing to offer.
  const argIndex = endsWithSpace ? tokens.length - 1 : tokens.length - 2;
  if (argIndex !== 0) return [];
  const typed = endsWithSpace ? "" : tokens[tokens.length - 1];
  const pool = {
    component: catalog.components,
    tag: catalog.tags,
    output: catalog.outputs,
    run: catalog.runs,
    task: catalog.tasks,
  }[spec.completes];
  return rank(pool, typed)
    .filter((value) => value !== typed)
    .map((value) => ({ text: `${spec.name} ${quoteArg(value)}`, label: value, detail: spec.completes }));
}
