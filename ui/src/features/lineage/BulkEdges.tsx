// Edges of a large graph drawn as two SVG paths (curves and arrowheads) instead of one React Flow edge
// component each: 1,000 edge components cost most of a second to mount, one path costs nothing. Positions are
// static (nodes are not draggable), so the path is computed once per graph.

import { ViewportPortal } from "@xyflow/react";
import { memo, useMemo } from "react";
import { edgePaths } from "../../model/lineage/edgePaths";
import type { MergedEdge, Positioned } from "../../model/lineage/layout";

export const BulkEdges = memo(function BulkEdges({
  edges,
  positions,
  size,
}: {
  edges: readonly MergedEdge[];
  positions: ReadonlyMap<string, Positioned>;
  size: { width: number; height: number };
}) {
  const { curves, arrows } = useMemo(() => edgePaths(edges, positions, size), [edges, positions, size]);
  return (
    <ViewportPortal>
      <svg className="bulk-edges" data-testid="bulk-edges" data-edges={edges.length} aria-hidden="true">
        <path className="bulk-edge-curves" d={curves} />
        <path className="bulk-edge-arrows" d={arrows} />
      </svg>
    </ViewportPortal>
  );
});
