// A linear-time layered layout for large lineage graphs (hundreds to thousands of runs), where dagre's
// crossing minimisation and network-simplex ranking take seconds in the browser (measured by
// benchmarks/ui_bench.py). Sugiyama-style, each step kept simple:
// 1. ranks: longest path to a sink, so every run sits as far right as its consumers allow (a fan-in's shards
//    line up in one column each, the final run is rightmost); cycles are broken by ignoring DFS back edges;
// 2. order within a rank: the order a depth-first walk from the sinks meets them (keeps chains together),
//    then barycenter sweeps;
// 3. y: each run at the mean height of its neighbours in the previous rank, pushed apart to avoid overlap.

import type { Positioned } from "./layout";

export interface LayeredOptions {
  width: number;
  height: number;
  rankSep: number;
  nodeSep: number;
  sweeps?: number;
}

export function layeredLayout(
  nodeIds: readonly string[],
  edges: readonly { producerId: string; consumerId: string }[],
  options: LayeredOptions,
): Map<string, Positioned> {
  const index = new Map(nodeIds.map((id, i) => [id, i]));
  const n = nodeIds.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  const pred: number[][] = Array.from({ length: n }, () => []);
  const seenEdge = new Set<string>();
  for (const e of edges) {
    const a = index.get(e.producerId);
    const b = index.get(e.consumerId);
    if (a === undefined || b === undefined || a === b) continue;
    const key = `${a}>${b}`;
    if (seenEdge.has(key)) continue;
    seenEdge.add(key);
    succ[a].push(b);
    pred[b].push(a);
  }

  // 1. Break cycles: mark back edges found by an iterative DFS.
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const back = new Set<string>();
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < succ[v].length) {
        top[1] += 1;
        const w = succ[v][i];
        if (state[w] === 1) back.add(`${v}>${w}`);
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  const out = succ.map((list, v) => list.filter((w) => !back.has(`${v}>${w}`)));
  const inc = pred.map((list, v) => list.filter((u) => !back.has(`${u}>${v}`)));

  // Longest path to a sink, in reverse topological order (Kahn on the reversed graph).
  const toSink = new Int32Array(n);
  const remaining = out.map((l) => l.length);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (remaining[v] === 0) queue.push(v);
  // The queue grows while it is walked: an array iterator reaches what is pushed behind it.
  for (const w of queue) {
    for (const u of inc[w]) {
      if (toSink[w] + 1 > toSink[u]) toSink[u] = toSink[w] + 1;
      if (--remaining[u] === 0) queue.push(u);
    }
  }
  let maxRank = 0;
  for (let v = 0; v < n; v++) if (toSink[v] > maxRank) maxRank = toSink[v];
  const rank = Array.from(toSink, (d) => maxRank - d);

  // 2. Initial order: depth-first from the sinks along producers, so each chain stays together.
  const layers: number[][] = Array.from({ length: maxRank + 1 }, () => []);
  const placed = new Uint8Array(n);
  const visit = (start: number) => {
    const stack = [start];
    for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
      if (placed[v]) continue;
      placed[v] = 1;
      layers[rank[v]].push(v);
      for (let i = inc[v].length - 1; i >= 0; i--) if (!placed[inc[v][i]]) stack.push(inc[v][i]);
    }
  };
  for (let v = 0; v < n; v++) if (out[v].length === 0) visit(v);
  for (let v = 0; v < n; v++) if (!placed[v]) visit(v);

  const position = new Float64Array(n);
  const setPositions = () => layers.forEach((layer) => layer.forEach((v, i) => (position[v] = i)));
  setPositions();
  const barycenter = (v: number, neighbours: number[]) =>
    neighbours.length ? neighbours.reduce((s, u) => s + position[u], 0) / neighbours.length : position[v];
  const sweeps = options.sweeps ?? 4;
  const key = new Float64Array(n); // each run's barycenter in the sweep at hand
  for (let s = 0; s < sweeps; s++) {
    const forward = s % 2 === 0;
    for (let k = 0; k <= maxRank; k++) {
      const r = forward ? k : maxRank - k;
      const layer = layers[r];
      for (const v of layer) key[v] = barycenter(v, forward ? inc[v] : out[v]);
      layer.sort((a, b) => key[a] - key[b] || position[a] - position[b]);
      layer.forEach((v, i) => (position[v] = i));
    }
  }

  // 3. Coordinates: the widest layer spaced evenly; others follow their neighbours' mean y, without overlaps.
  const step = options.height + options.nodeSep;
  const y = new Float64Array(n);
  let widest = 0;
  layers.forEach((layer, r) => {
    if (layer.length > layers[widest].length) widest = r;
  });
  layers[widest].forEach((v, i) => (y[v] = i * step));
  const placeLayer = (r: number, from: number[][]) => {
    const layer = layers[r];
    const desired = layer.map((v) => (from[v].length ? from[v].reduce((s, u) => s + y[u], 0) / from[v].length : NaN));
    let previous = -Infinity;
    const placedY = layer.map((_, i) => {
      const want = Number.isNaN(desired[i]) ? previous + step : desired[i];
      const value = Math.max(want, previous + step);
      previous = value;
      return value;
    });
    // Shift the whole layer back up by the mean push, so pushed-apart runs stay centred on their neighbours.
    const pushes = placedY.map((p, i) => (Number.isNaN(desired[i]) ? 0 : p - desired[i]));
    const shift = pushes.reduce((a, b) => a + b, 0) / Math.max(1, layer.length);
    layer.forEach((v, i) => (y[v] = placedY[i] - shift));
  };
  for (let r = widest + 1; r <= maxRank; r++) placeLayer(r, inc);
  for (let r = widest - 1; r >= 0; r--) placeLayer(r, out);

  const result = new Map<string, Positioned>();
  nodeIds.forEach((id, v) => result.set(id, { id, x: rank[v] * (options.width + options.rankSep), y: y[v] }));
  return result;
}
