import { Tag } from "@blueprintjs/core";
import { Background, Controls, MiniMap, ReactFlow } from "@xyflow/react";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { LineageData } from "../../api/operations";
import { paths } from "../../model/commands/routes";
import { NODE_HEIGHT, NODE_WIDTH, type Positioned, fitViewport } from "../../model/lineage/layout";
import { BulkEdges } from "./BulkEdges";
import { type FlowGraph, flowGraph } from "./flowGraph";
import { GroupNode } from "./GroupNode";
import { RoutedEdge } from "./RoutedEdge";
import { DETAIL_ZOOM, RunNode, ZoomedOutContext } from "./RunNode";

const nodeTypes = { run: RunNode, group: GroupNode };
const edgeTypes = { routed: RoutedEdge };
const MINIMAP_LIMIT = 1500;
// Culling off-screen nodes costs work on every pan and zoom; it pays only for graphs too big to draw at once.
const RENDER_VISIBLE_ABOVE = 3000;
const MIN_ZOOM = 0.02;
const NODE_SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT };
/** The graph opens no smaller than this (node text about 11 px and more), on the output asked about; the fit-view
 *  control (bottom left) shows the whole graph. */
const READABLE_ZOOM = 0.85;

/** Fit the whole graph when that is readable; otherwise readable zoom, the asked-about run in view near the edge the
 *  graph grows away from, the rest reached by panning. */
function openingViewport(
  positions: Iterable<Positioned>,
  roots: Positioned[],
  size: { width: number; height: number },
): { x: number; y: number; zoom: number } {
  const all = [...positions];
  const fit = fitViewport(all, size, { padding: 0.05, minZoom: MIN_ZOOM });
  if (fit.zoom >= READABLE_ZOOM || roots.length === 0) return fit;
  const zoom = READABLE_ZOOM;
  const root = roots[0];
  const minX = Math.min(...all.map((p) => p.x));
  const maxX = Math.max(...all.map((p) => p.x + NODE_WIDTH));
  const margin = 24;
  // Centred on the root, but never leaving empty canvas beside the graph's ends.
  let x = size.width / 2 - (root.x + NODE_WIDTH / 2) * zoom;
  x = Math.min(x, margin - minX * zoom);
  x = Math.max(x, size.width - margin - maxX * zoom);
  const y = size.height / 2 - (root.y + NODE_HEIGHT / 2) * zoom;
  return { x, y, zoom };
}

/** The lineage DAG, fitted to the canvas on its first render; a click (or Enter) on a run inspects it. */
export function LineageGraph({ data }: { data: LineageData }) {
  const navigate = useNavigate();
  const [ready, setReady] = useState(false);
  // The canvas size is read before React Flow mounts, so the first render is already at the fitted zoom.
  const canvas = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => {
    const el = canvas.current;
    if (el) setSize({ width: el.clientWidth, height: el.clientHeight });
  }, []);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const graph = useMemo(() => {
    performance.mark("lineage:data");
    const built = flowGraph(data, expanded);
    performance.mark("lineage:layout");
    return built;
  }, [data, expanded]);
  const viewport = useMemo(() => {
    if (!size) return null;
    const roots = data.roots.flatMap((r) => graph.positions.get(r) ?? []);
    return openingViewport(graph.positions.values(), roots, size);
    // Opened once per data: expanding a group keeps the user's own pan and zoom.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, size]);
  const open = (id: string, type: string | undefined) => {
    if (type === "group") setExpanded((prev) => new Set([...prev, id]));
    else void navigate(paths.run(id));
  };
  const [zoomedOut, setZoomedOut] = useState<boolean | null>(null);
  const compact = zoomedOut ?? (viewport ? viewport.zoom < DETAIL_ZOOM : false);

  return (
    <>
      <LineageSummary graph={graph} />
      <div className="lineage-canvas" ref={canvas} data-testid="lineage-graph" data-ready={ready ? "true" : "false"}>
        {viewport && (
          <ZoomedOutContext.Provider value={compact}>
            <ReactFlow
              nodes={graph.nodes}
              edges={graph.edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              defaultViewport={viewport}
              fitViewOptions={{ padding: 0.05 }}
              minZoom={MIN_ZOOM}
              maxZoom={2}
              onlyRenderVisibleElements={graph.nodes.length > RENDER_VISIBLE_ABOVE}
              nodesDraggable={false}
              nodesConnectable={false}
              onInit={() => {
                performance.mark("lineage:ready");
                setReady(true);
              }}
              onMove={(_, v) => {
                const below = v.zoom < DETAIL_ZOOM;
                if (below !== compact) setZoomedOut(below);
              }}
              onNodeClick={(_, node) => open(node.id, node.type)}
              onKeyDown={(e) => {
                const target = e.target as HTMLElement;
                const id = target.closest<HTMLElement>(".react-flow__node")?.dataset.id;
                if (e.key === "Enter" && id) open(id, id.startsWith("group:") ? "group" : "run");
              }}
              proOptions={{ hideAttribution: true }}
            >
              {graph.bulk && <BulkEdges edges={graph.drawn} positions={graph.positions} size={NODE_SIZE} />}
              <Background />
              <Controls showInteractive={false} />
              {graph.nodes.length <= MINIMAP_LIMIT && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
            </ReactFlow>
          </ZoomedOutContext.Provider>
        )}
      </div>
    </>
  );
}

/** How many runs and edges, and how many of the runs failed, are stale or wrote a flagged output. */
function LineageSummary({ graph }: { graph: FlowGraph }) {
  const runs = graph.runs;
  const failed = runs.filter((r) => r.statusCode === "ERROR").length;
  const stale = runs.filter((r) => r.staleReasons.length).length;
  const flagged = runs.filter((r) => r.flaggedOutputs.length).length;
  return (
    <div className="lineage-summary" data-testid="lineage-summary">
      <span data-testid="lineage-count">
        {graph.runs.length} runs, {graph.merged.length} edges
      </span>
      {graph.groups.length > 0 && (
        <span className="muted small" data-testid="lineage-groups">
          {graph.groups.length} groups of repeated runs (click one to expand it)
        </span>
      )}
      {failed > 0 && (
        <Tag intent="danger" icon="error">
          {failed} failed
        </Tag>
      )}
      {stale > 0 && (
        <Tag intent="warning" icon="time">
          {stale} stale
        </Tag>
      )}
      {flagged > 0 && (
        <Tag intent="danger" minimal icon="flag">
          {flagged} with flagged outputs
        </Tag>
      )}
      <span className="muted small">
        Click a run to inspect it; drag to pan, scroll to zoom; the fit-view button (bottom left) shows it all.
      </span>
    </div>
  );
}
