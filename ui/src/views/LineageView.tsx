import "@xyflow/react/dist/style.css";
import { Button, Callout, ControlGroup, FormGroup, H2, NumericInput, SegmentedControl, Tag } from "@blueprintjs/core";
import { Background, Controls, type Edge, MarkerType, MiniMap, ReactFlow } from "@xyflow/react";
import { useMemo, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { type Direction, Lineage, type LineageData } from "../api/operations";
import { useQuery } from "../api/useQuery";
import { paths } from "../commands/routes";
import { LinkButton } from "../components/LinkButton";
import { Empty, QueryGate } from "../components/States";
import { dedupeGraph, layoutGraph } from "../lineage/layout";
import { RunNode, type RunNodeType } from "../lineage/RunNode";
import { useTitle } from "./useTitle";

const nodeTypes = { run: RunNode };
const MINIMAP_LIMIT = 1500;

/** `lineage OUTPUT_ID` (or a run's lineage from the inspector): the whole DAG, laid out, pan and zoom. */
export default function LineageView() {
  const params = useParams();
  const [search, setSearch] = useSearchParams();
  const output = params["*"] || null;
  const runId = params.id ?? null;
  const direction: Direction = search.get("direction") === "downstream" ? "DOWNSTREAM" : "UPSTREAM";
  const depthParam = Number(search.get("depth"));
  const maxDepth = Number.isInteger(depthParam) && depthParam > 0 ? depthParam : null;
  const subject = output ?? runId ?? "";
  useTitle(`lineage ${subject}`);
  const state = useQuery(Lineage, { output, runId, direction, maxDepth }, { live: true });

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

function LineageGraph({ data }: { data: LineageData }) {
  const navigate = useNavigate();
  const [ready, setReady] = useState(false);
  const graph = useMemo(() => {
    const roots = new Set(data.roots);
    const { nodes, edges, dangling } = dedupeGraph(
      data.nodes.map((n) => ({ id: n.run.id, run: n.run, depth: n.depth })),
      data.edges.map((e) => ({ producerId: e.from, consumerId: e.to, via: e.via })),
    );
    const positions = layoutGraph(
      nodes.map((n) => n.id),
      edges,
    );
    const rfNodes: RunNodeType[] = nodes.map((n) => ({
      id: n.id,
      type: "run",
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      data: { run: n.run, root: roots.has(n.id), depth: n.depth },
      draggable: false,
      connectable: false,
    }));
    const rfEdges: Edge[] = edges.map((e) => ({
      id: e.id,
      source: e.producerId,
      target: e.consumerId,
      label: edges.length <= 60 ? e.via.join(", ") || "span link" : undefined,
      ariaLabel: `${e.producerId} to ${e.consumerId} via ${e.via.join(", ") || "span link"}`,
      markerEnd: { type: MarkerType.ArrowClosed },
      className: e.via.length ? undefined : "link-edge",
    }));
    return { nodes: rfNodes, edges: rfEdges, dangling };
  }, [data]);

  const failed = graph.nodes.filter((n) => n.data.run.status.code === "ERROR").length;
  const stale = graph.nodes.filter((n) => n.data.run.stale.length).length;
  const flagged = graph.nodes.filter((n) => n.data.run.outputs.some((o) => o.flagged)).length;
  return (
    <>
      <div className="lineage-summary" data-testid="lineage-summary">
        <span data-testid="lineage-count">
          {graph.nodes.length} runs, {graph.edges.length} edges
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
      <div className="lineage-canvas" data-testid="lineage-graph" data-ready={ready ? "true" : "false"}>
        <ReactFlow
          nodes={graph.nodes}
          edges={graph.edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ padding: 0.05 }}
          minZoom={0.02}
          maxZoom={2}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          onInit={() => setReady(true)}
          onNodeClick={(_, node) => navigate(paths.run(node.id))}
          onKeyDown={(e) => {
            const target = e.target as HTMLElement;
            const id = target.closest<HTMLElement>(".react-flow__node")?.dataset.id;
            if (e.key === "Enter" && id) navigate(paths.run(id));
          }}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
          {graph.nodes.length <= MINIMAP_LIMIT && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
        </ReactFlow>
      </div>
    </>
  );
}
