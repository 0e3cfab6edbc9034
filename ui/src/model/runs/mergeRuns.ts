import { isoToMs } from "../otel/spanTree";

/** Live first page plus appended pages: each run once, newest first (ties by id, as the server pages). */
export function mergeRuns<T extends { id: string; startTime: string }>(first: T[], more: T[]): T[] {
  const byId = new Map<string, T>();
  for (const run of [...first, ...more]) if (!byId.has(run.id)) byId.set(run.id, run);
  return [...byId.values()].sort((a, b) => {
    const ta = isoToMs(a.startTime);
    const tb = isoToMs(b.startTime);
    if (tb !== ta) return tb - ta;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  });
}
