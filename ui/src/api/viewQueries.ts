// The variables of the heavy views' queries, computed from the URL in one place: the views use them, and
// main.tsx uses them to prefetch before the app mounts (the same variables, so the prefetch is taken over).

import { prefetch } from "./prefetch";
import { type Direction, Lineage, OtelTrace } from "./operations";

export function lineageVariables(output: string | null, runId: string | null, search: URLSearchParams) {
  const direction: Direction = search.get("direction") === "downstream" ? "DOWNSTREAM" : "UPSTREAM";
  const depth = Number(search.get("depth"));
  const maxDepth = Number.isInteger(depth) && depth > 0 ? depth : null;
  return { output, runId, direction, maxDepth };
}

export function otelVariables(traceId: string) {
  return { traceId: traceId.toLowerCase() };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Prefetch the query of the view at this URL, if it is one of the heavy ones. */
export function prefetchFor(pathname: string, search: string): void {
  const params = new URLSearchParams(search);
  const output = /^\/lineage\/output\/(.+)$/.exec(pathname);
  const run = /^\/lineage\/run\/([^/]+)$/.exec(pathname);
  const otel = /^\/otel\/([^/]+)$/.exec(pathname);
  if (output) prefetch(Lineage, lineageVariables(decode(output[1]), null, params));
  else if (run) prefetch(Lineage, lineageVariables(null, decode(run[1]), params));
  else if (otel) prefetch(OtelTrace, otelVariables(decode(otel[1])));
}
