// Edges of a large graph drawn as two SVG paths (curves and arrowheads) instead of one React Flow edge
// component each: 1,000 edge components cost most of a second to mount, one path costs nothing. Positions are
// static (nodes are not draggable), so the path is computed once per graph.

import { ViewportPortal } from "@xyflow/react";
import { memo, useMemo } from "react";
import type { MergedEdge, Positioned } from "../../model/lineage/layout";

export function edgePaths(
  edges: readonly MergedEdge[],
  positions: ReadonlyMap<string, Positioned>,
  size: { width: number; height: number },
): { curves: string; arrows: string } {
  const curves: string[] = [];
  const arrows: string[] = [];
  for (const e of edges) {
    const from = positions.get(e.producerId);
    const to = positions.get(e.consumerId);
    if (!from || !to) continue;
    const x1 = from.x + size.width;
    const y1 = from.y + size.height / 2;
    const x2 = to.x - 6;
    const y2 = to.y + size.height / 2;
    const bend = Math.max(30, (x2 - x1) / 2);
    curves.push(`M${x1},${y1}C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`);
    arrows.push(`M${x2},${y2 - 4}L${x2 + 6},${y2}L${x2},${y2 + 4}Z`);
  }
  return { curves: curves.join(""), arrows: arrows.join("") };
}

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
