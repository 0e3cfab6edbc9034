import { Icon } from "@blueprintjs/core";
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import type { GraphRun } from "../../api/operations";
import { formatDuration, formatTime } from "../../format";
import { DriftMark, driftTitle } from "../monitoring/DriftBadge";

// React Flow's Node<T> needs T to be a Record<string, unknown>, which an interface is not (no index signature).
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- see the line above
type RunNodeData = { run: GraphRun; root: boolean; depth: number };
export type RunNodeType = Node<RunNodeData, "run">;

/** Below this zoom the text is unreadable: nodes draw as coloured boxes (a fitted 1,000-run graph stays light). */
export const DETAIL_ZOOM = 0.45;
/** True while zoomed out below DETAIL_ZOOM. One context value, changed only when the zoom crosses the threshold,
 *  rather than a store subscription per node evaluated on every wheel event. */
export const ZoomedOutContext = createContext(false);

/** One run in the lineage graph: component, time, duration; failed, stale and flagged runs are marked. */
export const RunNode = memo(function RunNode({ data }: NodeProps<RunNodeType>) {
  const { run, root } = data;
  const compact = useContext(ZoomedOutContext);
  const failed = run.statusCode === "ERROR";
  const stale = run.staleReasons.length > 0;
  const flagged = run.flaggedOutputs.length > 0;
  const drift = run.drift;
  const classes = [
    "run-node",
    failed && "failed",
    stale && "stale",
    flagged && "flagged",
    root && "root",
    drift.length > 0 && "drifted",
    compact && "compact",
  ]
    .filter(Boolean)
    .join(" ");
  const title = [
    `${run.componentName ?? run.name} ${run.id}`,
    failed ? `failed: ${run.statusMessage ?? "status ERROR"}` : "",
    ...run.staleReasons.map((reason) => `stale: ${reason}`),
    flagged ? `flagged outputs: ${run.flaggedOutputs.join(", ")}` : "",
    ...driftTitle(drift),
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <div className={classes} title={title} data-testid="lineage-node" data-run-id={run.id}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      {!compact && (
        <>
          <div className="run-node-head">
            <span className="run-node-component">{run.componentName ?? run.name}</span>
            <span className="run-node-marks">
              {failed && <Icon icon="error" size={12} aria-label="failed" />}
              {stale && <Icon icon="time" size={12} aria-label="stale" />}
              {flagged && <Icon icon="flag" size={12} aria-label="flagged" />}
              {drift.length > 0 && <DriftMark drift={drift} />}
            </span>
          </div>
          <div className="run-node-meta">
            {formatTime(run.startTime)} · {formatDuration(run.durationMs)}
          </div>
          <div className="run-node-id">{run.id}</div>
        </>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
