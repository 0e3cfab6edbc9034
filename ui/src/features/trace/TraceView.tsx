import { Button, Callout, H2, Icon, Tag } from "@blueprintjs/core";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { type GraphRun, OutputTrace } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { LinkButton } from "../../components/LinkButton";
import { PointerList, StaleTag, StatusTag } from "../runs/RunTable";
import { QueryGate } from "../../components/States";
import { formatDuration, formatTime } from "../../format";
import { dependenciesFrom, traceRows } from "../../model/lineage/traceTree";
import { FlagToggle } from "../pointers/PointerRow";
import { useTitle } from "../../components/useTitle";

/** `trace OUTPUT_ID`: the run that produced the output, then its dependencies, recursively (mltrace's tree). */
export function TraceView() {
  const output = useParams()["*"] ?? "";
  useTitle(`trace ${output}`);
  const state = useQuery(OutputTrace, { output }, { live: true });
  return (
    <section data-testid="view-trace">
      <QueryGate what={`trace of ${output}`} state={state}>
        {(data) => (
          <>
            <div className="inspector-title">
              <H2>
                Trace of <span className="mono">{data.ioPointer.name}</span>
              </H2>
              <span className="title-tags">
                <Tag minimal>{data.ioPointer.kind}</Tag>
                {data.ioPointer.flagged && (
                  <Tag intent="danger" icon="flag" data-testid="pointer-flagged">
                    flagged
                  </Tag>
                )}
              </span>
              <span className="title-actions">
                <FlagToggle key={`${data.ioPointer.name}:${data.ioPointer.flagged}`} pointer={data.ioPointer} onChange={() => state.refetch()} />
                <LinkButton to={paths.lineageOfOutput(output)} icon="graph" text="Lineage graph" />
              </span>
            </div>
            <p className="muted">
              {data.lineage.nodes.length} run{data.lineage.nodes.length === 1 ? "" : "s"} upstream.{" "}
              {data.ioPointer.producers.length > 1 &&
                `${data.ioPointer.producers.length} runs wrote it; the trace starts at the latest.`}
            </p>
            <TraceTree data={data.lineage} />
          </>
        )}
      </QueryGate>
    </section>
  );
}

function TraceTree({ data }: { data: { roots: string[]; nodes: { run: GraphRun }[]; edges: { from: string; to: string; via: string }[] } }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const runs = useMemo(() => new Map(data.nodes.map((n) => [n.run.id, n.run])), [data.nodes]);
  const deps = useMemo(() => dependenciesFrom(data.edges), [data.edges]);
  const rows = useMemo(() => traceRows(data.roots, deps, collapsed), [data.roots, deps, collapsed]);
  if (!data.roots.length) return <Callout intent="warning">No run produced this output.</Callout>;
  const toggle = (key: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  return (
    <div className="trace-tree" role="tree" data-testid="trace-tree">
      {rows.map((row) => {
        const run = runs.get(row.id);
        const open = !collapsed.has(row.key);
        return (
          <div
            key={row.key}
            role="treeitem"
            aria-level={row.depth + 1}
            aria-expanded={row.childCount && !row.repeat ? open : undefined}
            className={`trace-row${run?.status.code === "ERROR" ? " run-failed" : ""}`}
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
                <StatusTag code={run.status.code} message={run.status.message} />
                <StaleTag reasons={run.stale} />
                {row.via.length > 0 && <span className="muted small">via {row.via.join(", ")}</span>}
                {row.repeat && <span className="muted small">(its dependencies are shown above)</span>}
                <span className="trace-outputs">
                  <PointerList pointers={run.outputs} max={2} />
                </span>
              </>
            ) : (
              <span className="mono">{row.id}</span>
            )}
          </div>
        );
      })}
    </div>
  );
}
