// mltrace's trace view: the output's producer at the top, each run's dependencies nested under it. The server sends
// the tree (lineage { tree }, built by mltrace_otel/queries/lineage_tree.py): a shared ancestor expanded once and
// marked `shared` after, flat rows in depth-first order, each pointing at its parent row. Here only what the user
// collapsed is hidden, in one pass (a 1,000-level chain meets no recursion).

import type { TreeRowData } from "../../api/operations";

export interface TraceRow {
  key: string; // the path of run ids from the root: unique per row, stable across renders
  id: string;
  depth: number;
  via: string[];
  repeat: boolean;
  childCount: number;
}

/** The rows to show: every row whose ancestors are all open; `collapsed` holds row keys. */
export function traceRows(tree: readonly TreeRowData[], collapsed: ReadonlySet<string>): TraceRow[] {
  const childCounts = new Array<number>(tree.length).fill(0);
  for (const row of tree) if (row.parent !== null) childCounts[row.parent] += 1;
  const keys: string[] = [];
  const hidden: boolean[] = [];
  const rows: TraceRow[] = [];
  tree.forEach((row, index) => {
    const parent = row.parent;
    keys.push(parent === null ? row.runId : `${keys[parent]}/${row.runId}`);
    hidden.push(parent !== null && (hidden[parent] || collapsed.has(keys[parent])));
    if (hidden[index]) return;
    rows.push({
      key: keys[index],
      id: row.runId,
      depth: row.depth,
      via: row.via,
      repeat: row.shared,
      childCount: childCounts[index],
    });
  });
  return rows;
}
