import { Button, HTMLTable } from "@blueprintjs/core";
import { useState } from "react";
import { Link } from "react-router";
import { request } from "../../api/client";
import { useQuery } from "../../api/useQuery";
import { QueryGate } from "../../components/States";
import { TableHead } from "../../components/TableHead";
import { formatTime } from "../../format";
import { paths } from "../../model/commands/routes";
import { FlagTaskWindow, TaskWindowOutputs } from "./operations";

/** The outputs of one window and the runs that made them; a drifted window's outputs can be flagged for review. */
export function WindowOutputs({
  task,
  since,
  until,
  drifted,
}: {
  task: string;
  since: string;
  until: string;
  drifted: boolean;
}) {
  const state = useQuery(TaskWindowOutputs, { name: task, since, until });
  const [flagged, setFlagged] = useState<string | null>(null);
  return (
    <QueryGate what="outputs" state={state}>
      {({ task: { outputs } }) => {
        const runs = [...new Set(outputs.map((o) => o.runId).filter((r): r is string => r !== null))];
        const flag = async () => {
          // Only outputs a run wrote (logged inside a run) are lineage pointers; the rest have nothing to review.
          const { flagTaskWindow } = await request(FlagTaskWindow, { task, since, until });
          setFlagged(
            `${flagTaskWindow} of ${outputs.length} outputs flagged (those runs wrote); review ranks the runs behind them.`,
          );
        };
        return (
          <div data-testid="window-outputs">
            <p>
              {outputs.length} outputs from {formatTime(since)} to {formatTime(until)}, made by {runs.length}{" "}
              {runs.length === 1 ? "run" : "runs"}:{" "}
              {runs.map((r) => (
                <Link key={r} to={paths.run(r)} className="mono run-link" data-testid="window-run">
                  {r}
                </Link>
              ))}
            </p>
            {drifted && (
              <Button icon="flag" intent="warning" onClick={() => void flag()} data-testid="flag-window">
                Flag these outputs for review
              </Button>
            )}
            {flagged && (
              <p data-testid="flag-result">
                {flagged} <Link to={paths.review()}>Open review</Link>
              </p>
            )}
            <HTMLTable compact striped>
              <TableHead columns={["Output", "Value", "At", "Run"]} />
              <tbody>
                {outputs.slice(0, 20).map((o) => (
                  <tr key={o.outputId}>
                    <td className="mono">{o.outputId}</td>
                    <td className="mono">{o.value ?? o.label}</td>
                    <td>{formatTime(o.at)}</td>
                    <td>
                      {o.runId ? (
                        <Link to={paths.run(o.runId)} className="mono">
                          {o.runId}
                        </Link>
                      ) : (
                        "–"
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          </div>
        );
      }}
    </QueryGate>
  );
}
