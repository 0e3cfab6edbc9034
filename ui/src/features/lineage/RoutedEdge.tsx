import { BaseEdge, type Edge, type EdgeProps, EdgeText, useStoreApi } from "@xyflow/react";
import { memo, useMemo } from "react";
import { type Point, routedPath } from "../../model/lineage/layout";
import { type Box, curvePoints, labelPlace } from "./edgeLabelPlace";

export type RoutedEdgeType = Edge<{ bends: Point[]; label?: string }, "routed">;

const LABEL_PADDING: [number, number] = [4, 2];
/** React Flow's edge labels are 10 px text; a generous width per character so the estimate errs on the large side. */
const LABEL_CHAR_WIDTH = 6.2;
const labelSize = (text: string) => ({
  width: text.length * LABEL_CHAR_WIDTH + 2 * LABEL_PADDING[0] + 4,
  height: 14 + 2 * LABEL_PADDING[1],
});

/** An edge that follows the layout's route (around the runs between its ends), labelled with its IO pointer. */
export const RoutedEdge = memo(function RoutedEdge(props: EdgeProps<RoutedEdgeType>) {
  const { sourceX, sourceY, targetX, targetY, data, markerEnd, style, label } = props;
  const store = useStoreApi();
  const bends = data?.bends;
  const path = routedPath({ x: sourceX, y: sourceY }, bends ?? [], { x: targetX, y: targetY });
  // The label goes on the visible curve, clear of the runs: a long edge's middle bend can sit beside a run, and a
  // pointer name wider than the gap between two ranks would cover the runs at both ends.
  const placed = useMemo(() => {
    if (typeof label !== "string" || !label) return null;
    const curve = curvePoints({ x: sourceX, y: sourceY }, bends ?? [], { x: targetX, y: targetY });
    // Nodes are laid out before edges are drawn and never dragged: read them once, no subscription.
    const nodes: Box[] = [];
    for (const n of store.getState().nodeLookup.values()) {
      const { x, y } = n.internals.positionAbsolute;
      nodes.push({ x, y, width: n.measured.width ?? n.width ?? 0, height: n.measured.height ?? n.height ?? 0 });
    }
    return { full: label, ...labelPlace(curve, nodes, label, labelSize) };
  }, [sourceX, sourceY, targetX, targetY, bends, label, store]);
  return (
    <>
      <BaseEdge path={path} markerEnd={markerEnd} style={style} />
      {placed && (
        <EdgeText
          x={placed.at.x}
          y={placed.at.y}
          label={placed.text}
          labelBgPadding={LABEL_PADDING}
          labelBgBorderRadius={2}
        >
          {placed.text !== placed.full && <title>{placed.full}</title>}
        </EdgeText>
      )}
    </>
  );
});
