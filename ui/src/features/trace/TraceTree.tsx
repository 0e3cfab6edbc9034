import { Button, Callout, Icon } from "@blueprintjs/core";
import { useMemo } from "react";
import { Link } from "react-router";
import type { GraphRun, TraceData } from "../../api/operations";
import { formatDuration, formatTime } from "../../format";
import { paths } from "../../model/commands/routes";
import { type TraceRow, traceRows } from "../../model/lineage/traceTree";
import { useToggleSet } from "../../components/useToggleSet";
import { PointerList } from "../pointers/PointerList";
import { StaleTag, StatusTag } from "../runs/StatusTags";
import "./trace.css";

/** mltrace's trace tree: each run with its dependencies nested under it, a shared ancestor expanded once. */
export function TraceTree({ data }: { data: TraceData }) {
  const [collapsed, toggle] = useToggleSet();
  const runs = useMemo(() => new Map<string, GraphRun>(data.nodes.map((n) => [n.id, n])), [data.nodes]);
  const rows = useMemo(() => traceRows(data.tree, collapsed), [data.tree, collapsed]);
  if (!data.roots.length) return <Callout intent="warning">No run produced this output.</Callout>;
  return (
    <div className="trace-tree" role="tree" data-testid="trace-tree">
      {rows.map((row) => (
        <TraceTreeRow key={row.key} row={row} run={runs.get(row.id)} open={!collapsed.has(row.key)} toggle={toggle} />
      ))}
    </div>
  );
}

function TraceTreeRow(props: {
  row: TraceRow;
  run: GraphRun | undefined;
  open: boolean;
  toggle: (key: string) => void;
}) {
  const { row, run, open, toggle } = props;
  return (
    <div
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={row.childCount && !row.repeat ? open : undefined}
      className={`trace-row${run?.statusCode === "ERROR" ? " run-failed" : ""}`}
      style={{ paddingLeft: 8 + row.depth * 22 }}
      data-run-id={row.id}
    >
      {row.childCount > 0 && !row.repeat ? (
        <Button
          size="small"
          variant="minimal"
          icon={open ? "chevron-down" : "chevron-right"}
          aria-label={open ? "Collapse" : "Expand"}
          onClick={() => toggle(row.key)}
        />
      ) : (
        <Icon icon="dot" className="tree-dot" />
      )}
      {run ? (
        <>
          <Link to={paths.history(run.componentName ?? run.name)} className="trace-component">
            {run.componentName ?? run.name}
          </Link>
          <Link to={paths.run(run.id)} className="mono small">
            {run.id}
          </Link>
          <span className="muted small">{formatTime(run.startTime)}</span>
          <span className="muted small">{formatDuration(run.durationMs)}</span>
          <StatusTag code={run.statusCode} message={run.statusMessage} />
          <StaleTag reasons={run.staleReasons.map((reason) => ({ reason }))} />
          {row.via.length > 0 && <span className="muted small">via {row.via.join(", ")}</span>}
          {row.repeat && <span className="muted small">(its dependencies are shown above)</span>}
          <span className="trace-outputs">
            <PointerList
              pointers={run.outputs.map((name) => ({ name, flagged: run.flaggedOutputs.includes(name) }))}
              max={2}
            />
          </span>
        </>
      ) : (
        <span className="mono">{row.id}</span>
      )}
    </div>
  );
}
