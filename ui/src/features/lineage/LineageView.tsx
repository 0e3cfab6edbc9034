import "@xyflow/react/dist/style.css";
import { Button, Callout, ControlGroup, FormGroup, H2, NumericInput, SegmentedControl, Tag } from "@blueprintjs/core";
import { Background, Controls, MarkerType, MiniMap, Position, ReactFlow } from "@xyflow/react";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { Lineage, type LineageData } from "../../api/operations";
import { lineageVariables } from "../../api/viewQueries";
import { useQuery } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { LinkButton } from "../../components/LinkButton";
import { Empty, QueryGate } from "../../components/States";
import { NODE_HEIGHT, NODE_WIDTH, dedupeGraph, fitViewport, layoutWithRoutes } from "../../model/lineage/layout";
import { RoutedEdge, type RoutedEdgeType } from "./RoutedEdge";
import { BulkEdges } from "./BulkEdges";
import { DETAIL_ZOOM, RunNode, type RunNodeType, ZoomedOutContext } from "./RunNode";
import { useTitle } from "../../components/useTitle";

const nodeTypes = { run: RunNode };
const edgeTypes = { routed: RoutedEdge };
const MINIMAP_LIMIT = 1500;
// Culling off-screen nodes costs work on every pan and zoom; it pays only for graphs too big to draw at once.
const RENDER_VISIBLE_ABOVE = 3000;

/** `lineage OUTPUT_ID` (or a run's lineage from the inspector): the whole DAG, laid out, pan and zoom. */
export default function LineageView() {
  const params = useParams();
  const [search, setSearch] = useSearchParams();
  const output = params["*"] || null;
  const runId = params.id ?? null;
  const variables = lineageVariables(output, runId, search);
  const { direction, maxDepth } = variables;
  const subject = output ?? runId ?? "";
  useTitle(`lineage ${subject}`);
  const state = useQuery(Lineage, variables, { live: true });

  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(search);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setSearch(next);
  };
  const [depthDraft, setDepthDraft] = useState<number | null>(maxDepth);

  return (
    <section className="lineage-view" data-testid="view-lineage">
      <div className="inspector-title">
        <H2>
          Lineage of {output ? "output" : "run"} <span className="mono">{subject}</span>
        </H2>
        <span className="title-actions">
          {output && <LinkButton to={paths.trace(output)} icon="diagram-tree" text="Trace tree" />}
          {runId && <LinkButton to={paths.run(runId)} icon="document-open" text="Inspect run" />}
        </span>
      </div>
      <ControlGroup className="lineage-controls">
        <SegmentedControl
          aria-label="Direction"
          data-testid="direction"
          value={direction}
          onValueChange={(v) => setParam("direction", v === "DOWNSTREAM" ? "downstream" : null)}
          options={[
            { label: "Upstream (what produced it)", value: "UPSTREAM" },
            { label: "Downstream (what used it)", value: "DOWNSTREAM" },
          ]}
        />
        <FormGroup label="Depth" inline className="depth-control">
          <NumericInput
            aria-label="Maximum depth"
            data-testid="depth"
            min={1}
            max={1000}
            placeholder="all"
            value={depthDraft ?? ""}
            onValueChange={(v) => setDepthDraft(Number.isFinite(v) && v >= 1 ? Math.floor(v) : null)}
            onKeyDown={(e) => {
              if (e.key === "Enter") setParam("depth", depthDraft ? String(depthDraft) : null);
            }}
            style={{ width: 70 }}
          />
        </FormGroup>
        <Button text="Apply depth" onClick={() => setParam("depth", depthDraft ? String(depthDraft) : null)} />
        <Button
          variant="minimal"
          text="All"
          onClick={() => {
            setDepthDraft(null);
            setParam("depth", null);
          }}
        />
      </ControlGroup>
      <QueryGate what="lineage" state={state}>
        {(data) =>
          data.lineage.nodes.length === 0 ? (
            <Empty title="No runs in this lineage" />
          ) : (
            <LineageGraph data={data.lineage} />
          )
        }
      </QueryGate>
    </section>
  );
}

const MIN_ZOOM = 0.02;
const BULK_EDGES_ABOVE = 300;
const NODE_SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT };
const HANDLES = [
  { type: "target" as const, position: Position.Left, x: 0, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
  { type: "source" as const, position: Position.Right, x: NODE_WIDTH - 1, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
];

function LineageGraph({ data }: { data: LineageData }) {
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
      // Known size and handle places: React Flow can draw nodes and edges at once instead of measuring 1,000
      // nodes in the DOM first (the CSS gives .run-node exactly this size).
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      measured: { width: NODE_WIDTH, height: NODE_HEIGHT },
      handles: HANDLES,
      draggable: false,
      connectable: false,
    }));
    // Large graphs: one bulk SVG path instead of an edge component per edge (see BulkEdges).
    const bulk = nodes.length > BULK_EDGES_ABOVE;
    const rfEdges: RoutedEdgeType[] = bulk ? [] : edges.map((e) => ({
      id: e.id,
      type: "routed",
      source: e.producerId,
      target: e.consumerId,
      data: { bends: routes.get(e.id) ?? [] },
      label: edges.length <= 60 ? e.via.join(", ") || "span link" : undefined,
      ariaLabel: `${e.producerId} to ${e.consumerId} via ${e.via.join(", ") || "span link"}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      className: e.via.length ? undefined : "link-edge",
    }));
    performance.mark("lineage:layout");
    return { nodes: rfNodes, edges: rfEdges, merged: edges, bulk, dangling, positions };
  }, [data]);
  const viewport = useMemo(
    () => (size ? fitViewport(graph.positions.values(), size, { padding: 0.05, minZoom: MIN_ZOOM }) : null),
    [graph, size],
  );
  const [zoomedOut, setZoomedOut] = useState<boolean | null>(null);
  const compact = zoomedOut ?? (viewport ? viewport.zoom < DETAIL_ZOOM : false);

  const failed = graph.nodes.filter((n) => n.data.run.status.code === "ERROR").length;
  const stale = graph.nodes.filter((n) => n.data.run.stale.length).length;
  const flagged = graph.nodes.filter((n) => n.data.run.outputs.some((o) => o.flagged)).length;
  return (
    <>
      <div className="lineage-summary" data-testid="lineage-summary">
        <span data-testid="lineage-count">
          {graph.nodes.length} runs, {graph.merged.length} edges
        </span>
        {failed > 0 && <Tag intent="danger" icon="error">{failed} failed</Tag>}
        {stale > 0 && <Tag intent="warning" icon="time">{stale} stale</Tag>}
        {flagged > 0 && <Tag intent="danger" minimal icon="flag">{flagged} with flagged outputs</Tag>}
        <span className="muted small">Click a run to inspect it; drag to pan, scroll to zoom.</span>
      </div>
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
          onNodeClick={(_, node) => navigate(paths.run(node.id))}
          onKeyDown={(e) => {
            const target = e.target as HTMLElement;
            const id = target.closest<HTMLElement>(".react-flow__node")?.dataset.id;
            if (e.key === "Enter" && id) navigate(paths.run(id));
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
