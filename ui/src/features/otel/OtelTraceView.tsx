import { Button, ButtonGroup, Callout, H2, H4, Tag } from "@blueprintjs/core";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { OtelTrace, type SpanRow, SpanDetails } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { otelVariables } from "../../api/viewQueries";
import { paths } from "../../model/commands/routes";
import { KeyValues } from "../../components/KeyValues";
import { QueryGate } from "../../components/States";
import { formatDuration, formatTime, formatValue } from "../../format";
import {
  type FlatSpan,
  barGeometry,
  buildSpanTree,
  descendantCount,
  isoToMs,
  parentsOf,
  timelineTicks,
  visibleRows,
} from "../../model/otel/spanTree";
import { useTitle } from "../../components/useTitle";

type Span = SpanRow & FlatSpan;
const ROW_HEIGHT = 26;

/** The OTel span tree of one trace with a Jaeger-style waterfall; rows are virtualised (10,000+ spans). */
export default function OtelTraceView() {
  const variables = otelVariables(useParams().traceId ?? "");
  const { traceId } = variables;
  useTitle(`otel ${traceId}`);
  const state = useQuery(OtelTrace, variables);
  return (
    <section className="otel-view" data-testid="view-otel">
      <QueryGate what={`trace ${traceId}`} state={state}>
        {(data) => <Waterfall traceId={data.otelTrace.traceId} spans={data.otelTrace.spans} />}
      </QueryGate>
    </section>
  );
}

function Waterfall({ traceId, spans }: { traceId: string; spans: SpanRow[] }) {
  const [search, setSearch] = useSearchParams();
  const selected = search.get("span");
  const tree = useMemo(
    () => buildSpanTree<Span>(spans.map((s) => {
        const startMs = isoToMs(s.startTime);
        return { ...s, startMs, endMs: startMs + s.durationMs };
      })),
    [spans],
  );
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const rows = useMemo(() => visibleRows(tree.roots, collapsed), [tree, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const total = tree.endMs - tree.startMs;
  const ticks = useMemo(() => timelineTicks(total, 5), [total]);
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
  const toggle = useCallback((id: string) => {
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  // A deep link to a span: expand its ancestors and scroll it into view once.
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (!selected || scrolledTo.current === selected) return;
    const node = tree.byId.get(selected);
    if (!node) return;
    const ancestors: string[] = [];
    let parent = node.span.parentId ? tree.byId.get(node.span.parentId) : undefined;
    while (parent && ancestors.length < tree.byId.size) {
      ancestors.push(parent.span.id);
      parent = parent.span.parentId ? tree.byId.get(parent.span.parentId) : undefined;
    }
    if (ancestors.some((a) => collapsed.has(a))) {
      setCollapsed((c) => new Set([...c].filter((id) => !ancestors.includes(id))));
      return;
    }
    const index = rows.findIndex((r) => r.span.id === selected);
    if (index >= 0) {
      virtualizer.scrollToIndex(index, { align: "center" });
      scrolledTo.current = selected;
    }
  }, [selected, tree, rows, collapsed, virtualizer]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const index = rows.findIndex((r) => r.span.id === selected);
    const current = rows[index];
    const move = (i: number) => {
      const row = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (row) {
        scrolledTo.current = row.span.id;
        select(row.span.id);
        virtualizer.scrollToIndex(rows.indexOf(row));
      }
    };
    if (e.key === "ArrowDown") move(index + 1);
    else if (e.key === "ArrowUp") move(index <= 0 ? 0 : index - 1);
    else if (e.key === "ArrowLeft" && current?.children.length && !collapsed.has(current.span.id)) toggle(current.span.id);
    else if (e.key === "ArrowRight" && current && collapsed.has(current.span.id)) toggle(current.span.id);
    else if (e.key === "Escape") select(null);
    else return;
    e.preventDefault();
  };

  return (
    <div className={`waterfall-layout${selected ? " with-details" : ""}`}>
      <div className="waterfall-main">
        <div className="inspector-title">
          <H2>
            OTel trace <span className="mono muted">{traceId}</span>
          </H2>
        </div>
        <div className="waterfall-summary" data-testid="otel-summary">
          <span data-testid="span-count">{spans.length} spans</span>
          <span>{formatDuration(total)}</span>
          <span>started {formatTime(spans[0]?.startTime)}</span>
          <span>depth {tree.maxDepth + 1}</span>
          {errors > 0 && <Tag intent="danger">{errors} failed</Tag>}
          <ButtonGroup>
            <Button size="small" text="Expand all" onClick={() => setCollapsed(new Set())} />
            <Button size="small" text="Collapse all" onClick={() => setCollapsed(parentsOf(tree))} />
          </ButtonGroup>
        </div>
        <div className="waterfall-header">
          <div className="waterfall-name-col">Span</div>
          <div className="waterfall-time-col">
            {ticks.map((t) => (
              <span key={t} className="tick" style={{ left: `${total ? (t / total) * 100 : 0}%` }}>
                {formatDuration(t)}
              </span>
            ))}
          </div>
        </div>
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
            {virtualizer.getVirtualItems().map((item) => {
              const node = rows[item.index];
              const span = node.span;
              const isOpen = !collapsed.has(span.id);
              const { leftPct, widthPct } = barGeometry(span, tree.startMs, tree.endMs);
              const failed = span.status.code === "ERROR";
              return (
                <div
                  key={span.id}
                  role="treeitem"
                  aria-level={node.depth + 1}
                  aria-selected={span.id === selected}
                  aria-expanded={node.children.length ? isOpen : undefined}
                  className={`span-row${span.id === selected ? " selected" : ""}${failed ? " failed" : ""}${span.componentName ? " component" : ""}`}
                  style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  data-testid="span-row"
                  data-span-id={span.id}
                  onClick={() => select(span.id)}
                >
                  <div className="waterfall-name-col" style={{ paddingLeft: 4 + Math.min(node.depth, 40) * 14 }}>
                    {node.children.length > 0 ? (
                      <button
                        type="button"
                        className="caret"
                        aria-label={isOpen ? "Collapse" : "Expand"}
                        onClick={(e) => {
                          e.stopPropagation();
                          toggle(span.id);
                        }}
                      >
                        {isOpen ? "▾" : "▸"}
                      </button>
                    ) : (
                      <span className="caret-space" />
                    )}
                    <span className="span-name" title={span.name}>
                      {span.componentName ? <strong>{span.componentName}</strong> : span.name}
                    </span>
                    {!isOpen && <span className="muted small"> +{descendantCount(node)}</span>}
                    {node.orphan && <span className="muted small" title="its parent span is not stored"> (orphan)</span>}
                  </div>
                  <div className="waterfall-time-col">
                    <div className="span-bar" style={{ left: `${leftPct}%`, width: `${widthPct}%` }} />
                    <span className="span-duration" style={{ left: `${Math.min(leftPct + widthPct, 92)}%` }}>
                      {formatDuration(span.durationMs)}
                    </span>
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {selected && <SpanPanel id={selected} row={tree.byId.get(selected)?.span} onClose={() => select(null)} />}
    </div>
  );
}

function SpanPanel({ id, row, onClose }: { id: string; row: Span | undefined; onClose: () => void }) {
  const state = useQuery(SpanDetails, { id });
  return (
    <aside className="span-panel" data-testid="span-details">
      <div className="span-panel-head">
        <H4 className="mono">{row?.componentName ?? row?.name ?? id}</H4>
        <Button variant="minimal" icon="cross" aria-label="Close span details" onClick={onClose} />
      </div>
      {row && (
        <p className="muted small">
          {formatTime(row.startTime)} · {formatDuration(row.durationMs)}
        </p>
      )}
      {row?.componentName && (
        <p>
          <Link to={paths.run(id)}>Inspect this run</Link>
        </p>
      )}
      <QueryGate what="span details" state={state}>
        {(data) => (
          <>
            <p className="muted small">
              {data.run.kind.toLowerCase()} span{data.run.serviceName && ` of ${data.run.serviceName}`}
            </p>
            {data.run.status.code === "ERROR" && (
              <Callout intent="danger" compact>
                {data.run.status.message || "status ERROR"}
              </Callout>
            )}
            <H4>Attributes</H4>
            <KeyValues values={data.run.attributes} />
            <H4>Events ({data.run.events.length})</H4>
            {data.run.events.length ? (
              <ul className="events">
                {data.run.events.map((e, i) => (
                  <li key={i} className="mono small">
                    {formatValue(e)}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">None.</p>
            )}
            <H4>Links ({data.run.links.length})</H4>
            {data.run.links.length ? (
              <ul className="events">
                {data.run.links.map((l, i) => (
                  <li key={i} className="mono small">
                    {formatValue(l)}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">None.</p>
            )}
            <H4>Resource</H4>
            <KeyValues values={data.run.resource} />
          </>
        )}
      </QueryGate>
    </aside>
  );
}
