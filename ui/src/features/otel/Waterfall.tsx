import { Button, ButtonGroup, Tag } from "@blueprintjs/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useMemo, useRef } from "react";
import { useSearchParams } from "react-router";
import type { SpanRow } from "../../api/operations";
import { PageTitle } from "../../components/PageTitle";
import { useToggleSet } from "../../components/useToggleSet";
import { formatDuration, formatTime } from "../../format";
import { buildSpanTree, isoToMs, parentsOf, timelineTicks, visibleRows } from "../../model/otel/spanTree";
import { SpanPanel } from "./SpanPanel";
import { ROW_HEIGHT, type Span, SpanRowView } from "./SpanRowView";
import { useWaterfallNavigation } from "./useWaterfallNavigation";

/** The trace's spans as an indented, collapsible tree beside a timeline; the selected span's details on the right. */
export function Waterfall({ traceId, spans }: { traceId: string; spans: SpanRow[] }) {
  const [search, setSearch] = useSearchParams();
  const selected = search.get("span");
  const tree = useMemo(
    () =>
      buildSpanTree<Span>(
        spans.map((s) => {
          const startMs = isoToMs(s.startTime);
          return { ...s, startMs, endMs: startMs + s.durationMs };
        }),
      ),
    [spans],
  );
  const [collapsed, toggle, setCollapsed] = useToggleSet();
  const rows = useMemo(() => visibleRows(tree.roots, collapsed), [tree, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  // No React Compiler memoises this component, and the virtualiser's functions are called during render, never kept.
  // eslint-disable-next-line react-hooks/incompatible-library -- see the line above
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const errors = useMemo(() => spans.filter((s) => s.status.code === "ERROR").length, [spans]);
  const select = useCallback(
    (id: string | null) => {
      const next = new URLSearchParams(search);
      if (id) next.set("span", id);
      else next.delete("span");
      setSearch(next, { replace: true });
    },
    [search, setSearch],
  );
  const onKeyDown = useWaterfallNavigation({
    tree,
    rows,
    selected,
    collapsed,
    setCollapsed,
    toggle,
    select,
    virtualizer,
  });

  return (
    <div className={`waterfall-layout${selected ? " with-details" : ""}`}>
      <div className="waterfall-main">
        <PageTitle>
          OTel trace <span className="mono muted">{traceId}</span>
        </PageTitle>
        <div className="waterfall-summary" data-testid="otel-summary">
          <span data-testid="span-count">
            {spans.length} {spans.length === 1 ? "span" : "spans"}
          </span>
          <span>{formatDuration(tree.endMs - tree.startMs)}</span>
          <span>started {formatTime(spans[0]?.startTime)}</span>
          <span>depth {tree.maxDepth + 1}</span>
          {errors > 0 && <Tag intent="danger">{errors} failed</Tag>}
          <ButtonGroup>
            <Button size="small" text="Expand all" onClick={() => setCollapsed(new Set())} />
            <Button size="small" text="Collapse all" onClick={() => setCollapsed(parentsOf(tree))} />
          </ButtonGroup>
        </div>
        <TimelineHeader totalMs={tree.endMs - tree.startMs} />
        <div
          ref={scroller}
          className="waterfall-rows"
          tabIndex={0}
          role="tree"
          aria-label="Spans"
          data-testid="waterfall"
          data-ready="true"
          onKeyDown={onKeyDown}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualizer.getVirtualItems().map((item) => (
              <SpanRowView
                key={rows[item.index].span.id}
                node={rows[item.index]}
                top={item.start}
                tree={tree}
                open={!collapsed.has(rows[item.index].span.id)}
                selected={rows[item.index].span.id === selected}
                select={select}
                toggle={toggle}
              />
            ))}
          </div>
        </div>
      </div>
      {selected && <SpanPanel id={selected} row={tree.byId.get(selected)?.span} onClose={() => select(null)} />}
    </div>
  );
}

function TimelineHeader({ totalMs }: { totalMs: number }) {
  const ticks = useMemo(() => timelineTicks(totalMs, 5), [totalMs]);
  return (
    <div className="waterfall-header">
      <div className="waterfall-name-col">Span</div>
      <div className="waterfall-time-col">
        {ticks.map((t) => (
          <span key={t} className="tick" style={{ left: `${totalMs ? (t / totalMs) * 100 : 0}%` }}>
            {t === 0 ? "0" : formatDuration(t)}
          </span>
        ))}
      </div>
    </div>
  );
}
