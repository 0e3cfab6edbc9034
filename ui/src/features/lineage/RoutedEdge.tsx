import { BaseEdge, type Edge, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { type Point, routedPath } from "../../model/lineage/layout";

export type RoutedEdgeType = Edge<{ bends: Point[]; label?: string }, "routed">;

/** An edge that follows the layout's route (around the runs between its ends), labelled with its IO pointer. */
export const RoutedEdge = memo(function RoutedEdge(props: EdgeProps<RoutedEdgeType>) {
  const { sourceX, sourceY, targetX, targetY, data, markerEnd, style, label } = props;
  const bends = data?.bends ?? [];
  const path = routedPath({ x: sourceX, y: sourceY }, bends, { x: targetX, y: targetY });
  // The label sits on the middle bend, or halfway along a direct edge.
  const middle = bends.length
    ? bends[Math.floor(bends.length / 2)]
    : { x: (sourceX + targetX) / 2, y: (sourceY + targetY) / 2 };
  return (
    <BaseEdge
      path={path}
      markerEnd={markerEnd}
      style={style}
      label={label}
      labelX={middle.x}
      labelY={middle.y}
      labelBgPadding={[4, 2]}
      labelBgBorderRadius={2}
    />
  );
});
