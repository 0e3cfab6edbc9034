import { Callout, Tag } from "@blueprintjs/core";
import { Background, Controls, MiniMap, ReactFlow } from "@xyflow/react";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { LineageData } from "../../api/operations";
import { paths } from "../../model/commands/routes";
import { NODE_HEIGHT, NODE_WIDTH, fitViewport } from "../../model/lineage/layout";
import { BulkEdges } from "./BulkEdges";
import { type FlowGraph, flowGraph } from "./flowGraph";
import { RoutedEdge } from "./RoutedEdge";
import { DETAIL_ZOOM, RunNode, ZoomedOutContext } from "./RunNode";

const nodeTypes = { run: RunNode };
const edgeTypes = { routed: RoutedEdge };
const MINIMAP_LIMIT = 1500;
// Culling off-screen nodes costs work on every pan and zoom; it pays only for graphs too big to draw at once.
const RENDER_VISIBLE_ABOVE = 3000;
const MIN_ZOOM = 0.02;
const NODE_SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT };

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
  const graph = useMemo(() => {
    performance.mark("lineage:data");
    const built = flowGraph(data);
    performance.mark("lineage:layout");
    return built;
  }, [data]);
  const viewport = useMemo(
    () => (size ? fitViewport(graph.positions.values(), size, { padding: 0.05, minZoom: MIN_ZOOM }) : null),
    [graph, size],
  );
  const [zoomedOut, setZoomedOut] = useState<boolean | null>(null);
  const compact = zoomedOut ?? (viewport ? viewport.zoom < DETAIL_ZOOM : false);

  return (
    <>
      <LineageSummary graph={graph} />
      {graph.dangling > 0 && (
        <Callout intent="primary" compact>
          {graph.dangling} edges lead beyond the depth limit.
        </Callout>
      )}
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
              onNodeClick={(_, node) => void navigate(paths.run(node.id))}
              onKeyDown={(e) => {
                const target = e.target as HTMLElement;
                const id = target.closest<HTMLElement>(".react-flow__node")?.dataset.id;
                if (e.key === "Enter" && id) void navigate(paths.run(id));
              }}
              proOptions={{ hideAttribution: true }}
            >
              {graph.bulk && <BulkEdges edges={graph.merged} positions={graph.positions} size={NODE_SIZE} />}
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
  const runs = graph.nodes.map((n) => n.data.run);
  const failed = runs.filter((r) => r.status.code === "ERROR").length;
  const stale = runs.filter((r) => r.stale.length).length;
  const flagged = runs.filter((r) => r.outputs.some((o) => o.flagged)).length;
  return (
    <div className="lineage-summary" data-testid="lineage-summary">
      <span data-testid="lineage-count">
        {graph.nodes.length} runs, {graph.merged.length} edges
      </span>
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
      <span className="muted small">Click a run to inspect it; drag to pan, scroll to zoom.</span>
    </div>
  );
}
