// The API's lineage as React Flow nodes and edges: laid out, and with every size known up front so React Flow draws
// 1,000 nodes at once instead of measuring them in the DOM first. The server sends each run once and each pair of
// linked runs as one edge with all its pointers (mltrace_otel/queries/lineage_tree.py): nothing is merged here.

import { MarkerType, Position } from "@xyflow/react";
import type { GraphRun, LineageData } from "../../api/operations";
import {
  type MergedEdge,
  NODE_HEIGHT,
  NODE_WIDTH,
  type Positioned,
  layoutWithRoutes,
} from "../../model/lineage/layout";
import { type RunGroup, findGroups, groupEdges } from "../../model/lineage/groups";
import type { GroupNodeType } from "./GroupNode";
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
  nodes: (RunNodeType | GroupNodeType)[];
  edges: RoutedEdgeType[];
  /** Every run of the lineage, grouped or not (the counts). */
  runs: GraphRun[];
  /** Every edge between runs (the counts). */
  merged: MergedEdge[];
  /** The edges drawn: between runs and groups (the bulk drawing). */
  drawn: MergedEdge[];
  groups: RunGroup[];
  bulk: boolean;
  positions: Map<string, Positioned>;
}

export function flowGraph(data: LineageData, expanded: ReadonlySet<string> = new Set()): FlowGraph {
  const roots = new Set(data.roots);
  const nodes = data.nodes;
  const edges: MergedEdge[] = data.mergedEdges.map((e) => ({
    id: `${e.from}->${e.to}`,
    producerId: e.from,
    consumerId: e.to,
    via: e.via,
  }));
  const groups = findGroups(
    nodes.filter((n) => !roots.has(n.id)).map((n) => ({ ...n, component: n.componentName ?? n.name })),
    expanded,
  );
  const grouped = new Set(groups.flatMap((g) => g.members));
  const runsById = new Map<string, GraphRun>(nodes.map((n) => [n.id, n]));
  const shown = nodes.filter((n) => !grouped.has(n.id));
  const drawn = groupEdges(edges, groups);
  const { positions, routes } = layoutWithRoutes([...shown.map((n) => n.id), ...groups.map((g) => g.id)], drawn);
  const sized = {
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    measured: { width: NODE_WIDTH, height: NODE_HEIGHT },
    handles: HANDLES,
    draggable: false,
    connectable: false,
  };
  const rfNodes: (RunNodeType | GroupNodeType)[] = [
    ...shown.map((n): RunNodeType => ({
      id: n.id,
      type: "run",
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      data: { run: n, root: roots.has(n.id), depth: n.depth },
      // Known size and handle places (the CSS gives .run-node exactly this size).
      ...sized,
    })),
    ...groups.map((g): GroupNodeType => ({
      id: g.id,
      type: "group",
      position: positions.get(g.id) ?? { x: 0, y: 0 },
      data: { group: g, runs: g.members.flatMap((m) => runsById.get(m) ?? []) },
      ...sized,
    })),
  ];
  const bulk = rfNodes.length > BULK_EDGES_ABOVE;
  const label = (via: string[]) =>
    via.length === 0 ? "span link" : via.length <= 2 ? via.join(", ") : `${via.length} pointers`;
  const rfEdges: RoutedEdgeType[] = bulk
    ? []
    : drawn.map((e) => ({
        id: e.id,
        type: "routed",
        source: e.producerId,
        target: e.consumerId,
        data: { bends: routes.get(e.id) ?? [] },
        label: drawn.length <= LABELLED_EDGES ? label(e.via) : undefined,
        ariaLabel: `${e.producerId} to ${e.consumerId} via ${label(e.via)}`,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: e.via.length ? undefined : "link-edge",
      }));
  return {
    nodes: rfNodes,
    edges: rfEdges,
    runs: nodes,
    merged: edges,
    drawn,
    groups,
    bulk,
    positions,
  };
}
