// Large fan-ins drawn as one node, the way Marquez and Airflow's graph view group repeated tasks: the runs of one
// component at one distance from the output asked about, when there are GROUP_AT or more of them, become a single
// "124 × featuregen" node (expandable). Edges to and from its runs become edges to and from the group.

import type { MergedEdge } from "./layout";

export const GROUP_AT = 8;

export interface GroupedRun {
  id: string;
  depth: number;
  component: string;
}

export interface RunGroup {
  id: string;
  component: string;
  depth: number;
  members: string[];
}

export const groupId = (component: string, depth: number) => `group:${depth}:${component}`;

/** Which runs fall into which group; groups listed in `expanded` (by id) stay as their runs. */
export function findGroups(runs: readonly GroupedRun[], expanded: ReadonlySet<string> = new Set()): RunGroup[] {
  const byKey = new Map<string, RunGroup>();
  for (const r of runs) {
    const id = groupId(r.component, r.depth);
    const group = byKey.get(id) ?? { id, component: r.component, depth: r.depth, members: [] };
    group.members.push(r.id);
    byKey.set(id, group);
  }
  return [...byKey.values()].filter((g) => g.members.length >= GROUP_AT && !expanded.has(g.id));
}

/** The edges between what is drawn: a grouped run's edges move to its group, repeats merge, none inside a group. */
export function groupEdges(edges: readonly MergedEdge[], groups: readonly RunGroup[]): MergedEdge[] {
  const owner = new Map<string, string>();
  for (const g of groups) for (const m of g.members) owner.set(m, g.id);
  const merged = new Map<string, MergedEdge>();
  for (const e of edges) {
    const producerId = owner.get(e.producerId) ?? e.producerId;
    const consumerId = owner.get(e.consumerId) ?? e.consumerId;
    if (producerId === consumerId) continue;
    const id = `${producerId}->${consumerId}`;
    const existing = merged.get(id);
    if (!existing) merged.set(id, { id, producerId, consumerId, via: [...e.via] });
    else for (const v of e.via) if (!existing.via.includes(v)) existing.via.push(v);
  }
  return [...merged.values()];
}
