// The inspector's dependencies and dependents: the API returns one edge per pointer between two runs; the table
// shows each run once with every pointer it came through ("span link" when a link, not a pointer, joins them).

export function edgesVia<R extends { id: string }>(
  edges: readonly { via: string; run: R }[],
): { runs: R[]; via: Map<string, string[]> } {
  const via = new Map<string, string[]>();
  for (const e of edges) via.set(e.run.id, [...(via.get(e.run.id) ?? []), e.via || "span link"]);
  const runs = [...new Map(edges.map((e) => [e.run.id, e.run])).values()];
  return { runs, via };
}
