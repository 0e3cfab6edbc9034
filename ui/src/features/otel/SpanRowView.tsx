import type { CSSProperties } from "react";
import type { SpanRow } from "../../api/operations";
import { formatDuration } from "../../format";
import { type FlatSpan, type SpanNode, type SpanTree, barGeometry, descendantCount } from "../../model/otel/spanTree";

export type Span = SpanRow & FlatSpan;
export const ROW_HEIGHT = 26;

interface Props {
  node: SpanNode<Span>;
  /** Offset from the top of the virtual list, in px. */
  top: number;
  tree: SpanTree<Span>;
  open: boolean;
  selected: boolean;
  select: (id: string) => void;
  toggle: (id: string) => void;
}

/** One span: caret and name indented by depth on the left, its bar on the trace's timeline on the right. */
export function SpanRowView({ node, top, tree, open, selected, select, toggle }: Props) {
  const span = node.span;
  const { leftPct, widthPct } = barGeometry(span, tree.startMs, tree.endMs);
  const failed = span.status.code === "ERROR";
  return (
    <div
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={selected}
      aria-expanded={node.children.length ? open : undefined}
      className={`span-row${selected ? " selected" : ""}${failed ? " failed" : ""}${span.componentName ? " component" : ""}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      data-testid="span-row"
      data-span-id={span.id}
      onClick={() => select(span.id)}
    >
      <div className="waterfall-name-col" style={{ paddingLeft: 4 + Math.min(node.depth, 40) * 14 }}>
        {node.children.length > 0 ? (
          <button
            type="button"
            className="caret"
            aria-label={open ? "Collapse" : "Expand"}
            onClick={(e) => {
              e.stopPropagation();
              toggle(span.id);
            }}
          >
            {open ? "▾" : "▸"}
          </button>
        ) : (
          <span className="caret-space" />
        )}
        <span className="span-name" title={span.name}>
          {span.componentName ? <strong>{span.componentName}</strong> : span.name}
        </span>
        {!open && <span className="muted small"> +{descendantCount(node)}</span>}
        {node.orphan && (
          <span className="muted small" title="its parent span is not stored">
            {" "}
            (orphan)
          </span>
        )}
      </div>
      <div className="waterfall-time-col">
        <div className="span-bar" style={{ left: `${leftPct}%`, width: `${widthPct}%` }} />
        <span className={`span-duration ${labelPlace(leftPct, widthPct)}`} style={labelStyle(leftPct, widthPct)}>
          {formatDuration(span.durationMs)}
        </span>
      </div>
    </div>
  );
}

/** The duration label goes after the bar; a bar reaching the right edge carries it inside (light on the bar's
 *  colour) when wide enough, else it goes before the bar: never dark text on the bar. */
function labelPlace(leftPct: number, widthPct: number): "after" | "inside" | "before" {
  if (leftPct + widthPct <= 88) return "after";
  return widthPct >= 12 ? "inside" : "before";
}

function labelStyle(leftPct: number, widthPct: number): CSSProperties {
  const place = labelPlace(leftPct, widthPct);
  if (place === "after") return { left: `${leftPct + widthPct}%` };
  if (place === "inside") return { right: `${100 - leftPct - widthPct}%` };
  return { right: `${100 - leftPct}%` };
}
