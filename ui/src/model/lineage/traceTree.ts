// mltrace's trace view: the output's producer at the top, each run's dependencies nested under it.
// Lineage is a DAG, so a shared ancestor would repeat under every consumer; it is expanded the first time
// and shown as a reference ("see above") afterwards, which also terminates cycles.

export interface TraceRow {
  key: string; // the path of run ids from the root: unique per row, stable across renders
  id: string;
  depth: number;
  via: string[];
  repeat: boolean;
  childCount: number;
}

export type Dependencies = Map<string, { id: string; via: string[] }[]>;

/** Dependencies per consumer from producer -> consumer edges; several pointers between two runs merge. */
export function dependenciesFrom(edges: readonly { from: string; to: string; via: string }[]): Dependencies {
  const deps: Dependencies = new Map();
  for (const e of edges) {
    const list = deps.get(e.to) ?? [];
    const existing = list.find((d) => d.id === e.from);
    if (existing) {
      if (e.via && !existing.via.includes(e.via)) existing.via.push(e.via);
    } else list.push({ id: e.from, via: e.via ? [e.via] : [] });
    deps.set(e.to, list);
  }
  return deps;
}

export function traceRows(roots: readonly string[], deps: Dependencies, collapsed: ReadonlySet<string>): TraceRow[] {
  const rows: TraceRow[] = [];
  const expanded = new Set<string>();
  const stack: { id: string; depth: number; via: string[]; key: string }[] = [...roots]
    .reverse()
    .map((id) => ({ id, depth: 0, via: [], key: id }));
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const children = deps.get(item.id) ?? [];
    const repeat = expanded.has(item.id);
    rows.push({ ...item, repeat, childCount: children.length });
    if (repeat) continue;
    expanded.add(item.id);
    if (collapsed.has(item.key)) continue;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      stack.push({ id: child.id, depth: item.depth + 1, via: child.via, key: `${item.key}/${child.id}` });
    }
  }
  return rows;
}
