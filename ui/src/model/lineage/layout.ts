// Lineage graph layout: the DAG the API returns (each run once, each pair of linked runs one merged edge) laid out
// left-to-right with dagre.

import dagre from "@dagrejs/dagre";
import { layeredLayout } from "./layered";

export interface MergedEdge {
  id: string;
  producerId: string;
  consumerId: string;
  via: string[];
}

export interface Positioned {
  id: string;
  x: number; // top-left corner, as React Flow wants
  y: number;
}

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 64;
/** Above this many runs dagre takes seconds in a browser; the linear layered layout takes milliseconds. */
const DAGRE_LIMIT = 300;

/** Producers left of consumers; returns top-left positions keyed by run id. */
export function layoutGraph(
  nodeIds: readonly string[],
  edges: readonly { producerId: string; consumerId: string }[],
  options: LayoutOptions = {},
): Map<string, Positioned> {
  return layoutWithRoutes(nodeIds, edges, options).positions;
}

export interface LayoutOptions {
  width?: number;
  height?: number;
  rankSep?: number;
  nodeSep?: number;
  dagreLimit?: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Positions plus, for small graphs laid out by dagre, each edge's route ("producer->consumer" -> bend points)
 *  so an edge spanning several ranks bends around the runs in between instead of passing under them. */
export function layoutWithRoutes(
  nodeIds: readonly string[],
  edges: readonly { producerId: string; consumerId: string }[],
  options: LayoutOptions = {},
): { positions: Map<string, Positioned>; routes: Map<string, Point[]> } {
  const width = options.width ?? NODE_WIDTH;
  const height = options.height ?? NODE_HEIGHT;
  if (nodeIds.length > (options.dagreLimit ?? DAGRE_LIMIT)) {
    const positions = layeredLayout(nodeIds, edges, {
      width,
      height,
      rankSep: options.rankSep ?? 80,
      nodeSep: options.nodeSep ?? 16,
    });
    return { positions, routes: new Map() };
  }
  const g = new dagre.graphlib.Graph({ multigraph: false });
  // Wide rank gaps on small graphs leave room for the edge labels (the IO pointer between two runs).
  g.setGraph({
    rankdir: "LR",
    ranksep: options.rankSep ?? 150,
    nodesep: options.nodeSep ?? 24,
    marginx: 16,
    marginy: 16,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of nodeIds) g.setNode(id, { width, height });
  for (const e of edges) {
    // Lineage may contain cycles (an output rewritten by its consumer); dagre breaks them itself.
    if (e.producerId !== e.consumerId) g.setEdge(e.producerId, e.consumerId);
  }
  dagre.layout(g);
  const positions = new Map<string, Positioned>();
  for (const id of nodeIds) {
    const n = g.node(id) as Point;
    positions.set(id, { id, x: n.x - width / 2, y: n.y - height / 2 });
  }
  const routes = new Map<string, Point[]>();
  for (const e of g.edges()) {
    const points = (g.edge(e) as { points?: Point[] }).points ?? [];
    // dagre's first and last points sit on the node borders; the drawn edge starts and ends at the handles.
    routes.set(`${e.v}->${e.w}`, points.slice(1, -1));
  }
  return { positions, routes };
}

/** An SVG path from `start` through `bends` to `end`, rounded at each bend (quadratic curves via midpoints). */
export function routedPath(start: Point, bends: readonly Point[], end: Point): string {
  const points = [start, ...bends, end];
  if (points.length === 2) {
    const bend = Math.max(30, (end.x - start.x) / 2);
    return `M${start.x},${start.y}C${start.x + bend},${start.y} ${end.x - bend},${end.y} ${end.x},${end.y}`;
  }
  let d = `M${start.x},${start.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const next = points[i + 1];
    const mid = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    d += `Q${p.x},${p.y} ${mid.x},${mid.y}`;
  }
  return d;
}

/** The viewport that fits every node into a container, as React Flow's fitView would, computed before the first
 *  render so 1,000 nodes are drawn once at the right zoom instead of twice. */
export function fitViewport(
  positions: Iterable<Positioned>,
  container: { width: number; height: number },
  options: { width?: number; height?: number; padding?: number; minZoom?: number; maxZoom?: number } = {},
): { x: number; y: number; zoom: number } {
  const width = options.width ?? NODE_WIDTH;
  const height = options.height ?? NODE_HEIGHT;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of positions) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x + width);
    maxY = Math.max(maxY, p.y + height);
  }
  if (!Number.isFinite(minX) || container.width <= 0 || container.height <= 0) return { x: 0, y: 0, zoom: 1 };
  const padding = options.padding ?? 0.05;
  const zoom = Math.min(
    options.maxZoom ?? 1,
    Math.max(
      options.minZoom ?? 0.02,
      Math.min(container.width / (maxX - minX), container.height / (maxY - minY)) * (1 - 2 * padding),
    ),
  );
  return {
    x: container.width / 2 - ((minX + maxX) / 2) * zoom,
    y: container.height / 2 - ((minY + maxY) / 2) * zoom,
    zoom,
  };
}
