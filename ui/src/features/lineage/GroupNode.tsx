import { Icon } from "@blueprintjs/core";
import { Handle, type Node, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import type { GraphRun } from "../../api/operations";
import type { RunGroup } from "../../model/lineage/groups";

// eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- React Flow wants an index signature
type GroupNodeData = { group: RunGroup; runs: GraphRun[] };
export type GroupNodeType = Node<GroupNodeData, "group">;

/** "124 × featuregen": the runs of one component at one depth, drawn as one node; a click expands it. */
export const GroupNode = memo(function GroupNode({ data }: NodeProps<GroupNodeType>) {
  const { group, runs } = data;
  const failed = runs.filter((r) => r.statusCode === "ERROR").length;
  const stale = runs.filter((r) => r.staleReasons.length > 0).length;
  const flagged = runs.filter((r) => r.flaggedOutputs.length > 0).length;
  const classes = ["run-node", "group-node", failed && "failed", stale && "stale", flagged && "flagged"]
    .filter(Boolean)
    .join(" ");
  return (
    <div
      className={classes}
      title={`${group.members.length} runs of ${group.component}: click to show each one`}
      data-testid="lineage-group"
      data-group-id={group.id}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="run-node-head">
        <span className="run-node-component">
          {group.members.length} × {group.component}
        </span>
        <Icon icon="expand-all" size={12} aria-label="expand" />
      </div>
      <div className="run-node-meta">
        {[failed && `${failed} failed`, stale && `${stale} stale`, flagged && `${flagged} flagged`]
          .filter(Boolean)
          .join(" · ") || "all succeeded"}
      </div>
      <div className="run-node-id">click to expand</div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
