// A table of runs (recent, history, tag, dependencies): component, start, duration, status, staleness, IO.

import { HTMLTable } from "@blueprintjs/core";
import { Link } from "react-router";
import type { RunRow } from "../../api/operations";
import { TableHead } from "../../components/TableHead";
import { formatAgo, formatDuration, formatTime } from "../../format";
import { paths } from "../../model/commands/routes";
import { PointerList } from "../pointers/PointerList";
import { StaleTag, StatusTag } from "./StatusTags";
import "./runs.css";

const COLUMNS = ["Component", "Run", "Started", "Duration", "Status", "Inputs", "Outputs"];

export function RunTable({ runs, via }: { runs: RunRow[]; via?: Map<string, string[]> }) {
  return (
    <HTMLTable compact striped interactive className="run-table" data-testid="run-table">
      <TableHead columns={via ? [...COLUMNS, "Via"] : COLUMNS} />
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
