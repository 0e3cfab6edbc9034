// Edges of a large lineage graph as two SVG paths: every curve in one, every arrowhead in the other.

import type { MergedEdge, Positioned } from "./layout";

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
