// The OTel trace view's model: a flat list of spans (with parent ids) into a tree, the rows visible under
// collapsed subtrees, and where each span's timeline bar goes. Iterative throughout: a trace may hold 10,000+
// spans in a chain deeper than the JS stack.

export interface FlatSpan {
  id: string;
  parentId: string | null;
  startMs: number; // epoch milliseconds, sub-millisecond precision kept
  endMs: number;
}

export interface SpanNode<T extends FlatSpan> {
  span: T;
  depth: number;
  children: SpanNode<T>[];
  /** The parent id named a span that is not in this trace (not yet arrived, or sampled out). */
  orphan: boolean;
}

export interface SpanTree<T extends FlatSpan> {
  roots: SpanNode<T>[];
  byId: Map<string, SpanNode<T>>;
  startMs: number;
  endMs: number;
  maxDepth: number;
}

const byStart = <T extends FlatSpan>(a: SpanNode<T>, b: SpanNode<T>) =>
  a.span.startMs - b.span.startMs || (a.span.id < b.span.id ? -1 : a.span.id > b.span.id ? 1 : 0);

export function buildSpanTree<T extends FlatSpan>(spans: readonly T[]): SpanTree<T> {
  const byId = new Map<string, SpanNode<T>>();
  for (const span of spans) {
    if (!byId.has(span.id)) byId.set(span.id, { span, depth: 0, children: [], orphan: false });
  }
  const roots: SpanNode<T>[] = [];
  for (const node of byId.values()) {
    const parentId = node.span.parentId;
    const parent = parentId ? byId.get(parentId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else {
      node.orphan = Boolean(parentId) && parentId !== node.span.id ? !parent : false;
      roots.push(node);
    }
  }
  // Depths by walking down from the roots; spans caught in a parent cycle are never reached and become roots.
  let maxDepth = 0;
  const reached = new Set<SpanNode<T>>();
  const walk = (start: SpanNode<T>[]) => {
    const stack = [...start];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (reached.has(node)) continue;
      reached.add(node);
      node.children.sort(byStart);
      for (const child of node.children) {
        child.depth = node.depth + 1;
        if (child.depth > maxDepth) maxDepth = child.depth;
        stack.push(child);
      }
    }
  };
  walk(roots);
  if (reached.size < byId.size) {
    for (const node of byId.values()) {
      if (reached.has(node)) continue;
      const parent = node.span.parentId ? byId.get(node.span.parentId) : undefined;
      if (parent) parent.children = parent.children.filter((c) => c !== node);
      node.depth = 0;
      node.orphan = true;
      roots.push(node);
      walk([node]);
    }
  }
  roots.sort(byStart);
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const { span } of byId.values()) {
    if (span.startMs < startMs) startMs = span.startMs;
    if (span.endMs > endMs) endMs = span.endMs;
  }
  if (!Number.isFinite(startMs)) startMs = endMs = 0;
  return { roots, byId, startMs, endMs, maxDepth };
}

/** Rows shown, in display order: every span whose ancestors are all expanded. */
export function visibleRows<T extends FlatSpan>(roots: SpanNode<T>[], collapsed: ReadonlySet<string>): SpanNode<T>[] {
  const rows: SpanNode<T>[] = [];
  const stack = [...roots].reverse();
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    rows.push(node);
    if (!collapsed.has(node.span.id)) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
  }
  return rows;
}

/** Number of spans under a node (itself excluded), for "12 hidden" hints on collapsed rows. */
export function descendantCount<T extends FlatSpan>(node: SpanNode<T>): number {
  let count = 0;
  const stack = [...node.children];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    count += 1;
    stack.push(...n.children);
  }
  return count;
}

/** Ids of a span's ancestors, nearest first; bounded by the tree's size so a parent cycle cannot loop. */
export function ancestorIds<T extends FlatSpan>(tree: SpanTree<T>, id: string): string[] {
  const ancestors: string[] = [];
  const node = tree.byId.get(id);
  let parent = node?.span.parentId ? tree.byId.get(node.span.parentId) : undefined;
  while (parent && ancestors.length < tree.byId.size) {
    ancestors.push(parent.span.id);
    parent = parent.span.parentId ? tree.byId.get(parent.span.parentId) : undefined;
  }
  return ancestors;
}

/** Where a span's bar sits on the trace's timeline, in percent; never narrower than `minPct` to stay visible. */
export function barGeometry(
  span: FlatSpan,
  traceStartMs: number,
  traceEndMs: number,
  minPct = 0.2,
): { leftPct: number; widthPct: number } {
  const total = traceEndMs - traceStartMs;
  if (total <= 0) return { leftPct: 0, widthPct: 100 };
  const leftPct = Math.min(100, Math.max(0, ((span.startMs - traceStartMs) / total) * 100));
  const widthPct = Math.max(minPct, ((span.endMs - span.startMs) / total) * 100);
  return { leftPct, widthPct: Math.min(widthPct, 100 - leftPct || minPct) };
}

/** Evenly spaced tick offsets (ms from trace start) at a round step, for the timeline header. */
export function timelineTicks(totalMs: number, maxTicks = 5): number[] {
  if (totalMs <= 0) return [0];
  const raw = totalMs / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Ids of every span with children: "collapse all". */
export function parentsOf<T extends FlatSpan>(tree: SpanTree<T>): Set<string> {
  const ids = new Set<string>();
  for (const node of tree.byId.values()) if (node.children.length) ids.add(node.span.id);
  return ids;
}

/** Epoch ms from an ISO time, keeping the micro/nanosecond digits Date.parse drops. */
export function isoToMs(iso: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(iso);
  if (!match) return Date.parse(iso);
  const whole = Date.parse(match[1] + (match[3] || "Z"));
  const fraction = match[2] ? Number(`0${match[2]}`) * 1000 : 0;
  return whole + fraction;
}
