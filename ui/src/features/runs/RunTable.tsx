// A table of runs (recent, history, tag, dependencies): component, start, duration, status, staleness, IO.

import { HTMLTable, Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import type { RunRow } from "../../api/operations";
import { paths } from "../../model/commands/routes";
import { formatAgo, formatDuration, formatTime } from "../../format";

export function StatusTag({ code, message }: { code: string; message?: string | null }) {
  if (code === "ERROR")
    return (
      <Tag intent="danger" icon="error" title={message ?? "failed"} data-testid="status-failed">
        failed
      </Tag>
    );
  return (
    <Tag minimal intent={code === "OK" ? "success" : "none"} data-testid="status">
      {code === "OK" ? "ok" : "done"}
    </Tag>
  );
}

export function StaleTag({ reasons }: { reasons: { reason: string }[] }) {
  if (!reasons.length) return null;
  return (
    <Tag intent="warning" minimal icon="time" title={reasons.map((r) => r.reason).join("\n")} data-testid="stale">
      stale
    </Tag>
  );
}

export function PointerList({ pointers, max = 3 }: { pointers: { name: string; flagged: boolean }[]; max?: number }) {
  if (!pointers.length) return <span className="muted">—</span>;
  const shown = pointers.slice(0, max);
  return (
    <span className="pointer-list">
      {shown.map((p) => (
        <Link key={p.name} to={paths.trace(p.name)} className={p.flagged ? "pointer flagged" : "pointer"} title={p.name}>
          {p.flagged && "⚑ "}
          {p.name}
        </Link>
      ))}
      {pointers.length > max && <span className="muted"> +{pointers.length - max} more</span>}
    </span>
  );
}

export function RunTable({ runs, via }: { runs: RunRow[]; via?: Map<string, string[]> }) {
  return (
    <HTMLTable compact striped interactive className="run-table" data-testid="run-table">
      <thead>
        <tr>
          <th>Component</th>
          <th>Run</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Status</th>
          <th>Inputs</th>
          <th>Outputs</th>
          {via && <th>Via</th>}
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} className={run.status.code === "ERROR" ? "run-failed" : undefined} data-run-id={run.id}>
            <td>
              {run.componentName ? (
                <Link to={paths.history(run.componentName)}>{run.componentName}</Link>
              ) : (
                <span className="muted">{run.name}</span>
              )}
            </td>
            <td>
              <Link to={paths.run(run.id)} className="mono">
                {run.id}
              </Link>
            </td>
            <td title={formatAgo(run.startTime)}>{formatTime(run.startTime)}</td>
            <td>{formatDuration(run.durationMs)}</td>
            <td>
              <StatusTag code={run.status.code} message={run.status.message} /> <StaleTag reasons={run.stale} />
            </td>
            <td>
              <PointerList pointers={run.inputs} />
            </td>
            <td>
              <PointerList pointers={run.outputs} />
            </td>
            {via && <td className="mono">{(via.get(run.id) ?? []).join(", ") || "span link"}</td>}
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}
