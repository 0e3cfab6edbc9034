// The API's lineage as React Flow nodes and edges: deduplicated, laid out, and with every size known up front so
// React Flow draws 1,000 nodes at once instead of measuring them in the DOM first.

import { MarkerType, Position } from "@xyflow/react";
import type { LineageData } from "../../api/operations";
import {
  type MergedEdge,
  NODE_HEIGHT,
  NODE_WIDTH,
  type Positioned,
  dedupeGraph,
  layoutWithRoutes,
} from "../../model/lineage/layout";
import type { RoutedEdgeType } from "./RoutedEdge";
import type { RunNodeType } from "./RunNode";

/** Above this many runs edges are one bulk SVG path instead of an edge component each (see BulkEdges). */
const BULK_EDGES_ABOVE = 300;
/** Up to this many edges each carries its pointer names as a label; more would be unreadable clutter. */
const LABELLED_EDGES = 60;
const HANDLES = [
  { type: "target" as const, position: Position.Left, x: 0, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
  {
    type: "source" as const,
    position: Position.Right,
    x: NODE_WIDTH - 1,
    y: NODE_HEIGHT / 2 - 0.5,
    width: 1,
    height: 1,
  },
];

export interface FlowGraph {
  nodes: RunNodeType[];
  edges: RoutedEdgeType[];
  /** Every edge, for the bulk drawing and the counts. */
  merged: MergedEdge[];
  bulk: boolean;
  /** Edges to runs beyond the depth limit, not drawn. */
  dangling: number;
  positions: Map<string, Positioned>;
}

export function flowGraph(data: LineageData): FlowGraph {
  const roots = new Set(data.roots);
  const { nodes, edges, dangling } = dedupeGraph(
    data.nodes.map((n) => ({ id: n.run.id, run: n.run, depth: n.depth })),
    data.edges.map((e) => ({ producerId: e.from, consumerId: e.to, via: e.via })),
  );
  const { positions, routes } = layoutWithRoutes(
    nodes.map((n) => n.id),
    edges,
  );
  const rfNodes: RunNodeType[] = nodes.map((n) => ({
    id: n.id,
    type: "run",
    position: positions.get(n.id) ?? { x: 0, y: 0 },
    data: { run: n.run, root: roots.has(n.id), depth: n.depth },
    // Known size and handle places (the CSS gives .run-node exactly this size).
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    measured: { width: NODE_WIDTH, height: NODE_HEIGHT },
    handles: HANDLES,
    draggable: false,
    connectable: false,
  }));
  const bulk = nodes.length > BULK_EDGES_ABOVE;
  const rfEdges: RoutedEdgeType[] = bulk
    ? []
    : edges.map((e) => ({
        id: e.id,
        type: "routed",
        source: e.producerId,
        target: e.consumerId,
        data: { bends: routes.get(e.id) ?? [] },
        label: edges.length <= LABELLED_EDGES ? e.via.join(", ") || "span link" : undefined,
        ariaLabel: `${e.producerId} to ${e.consumerId} via ${e.via.join(", ") || "span link"}`,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: e.via.length ? undefined : "link-edge",
      }));
  return { nodes: rfNodes, edges: rfEdges, merged: edges, bulk, dangling, positions };
}
