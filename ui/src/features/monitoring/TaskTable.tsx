import { HTMLTable, Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import { TableHead } from "../../components/TableHead";
import { formatAgo, formatTime } from "../../format";
import type { TaskRow } from "./operations";
import { monitoringPaths } from "./paths";

/** Tasks as the server orders them: drifted first, highest drift score first. */
export function TaskTable({ tasks }: { tasks: TaskRow[] }) {
  return (
    <HTMLTable compact striped data-testid="task-table" className="task-table">
      <TableHead columns={["Task", "Outputs", "Feedback", "Last output", "Drift (latest hour)"]} />
      <tbody>
        {tasks.map((t) => (
          <tr key={t.name} data-testid="task-row">
            <td>
              <Link to={monitoringPaths.task(t.name)}>{t.name}</Link>
            </td>
            <td>{t.outputCount}</td>
            <td>{t.feedbackCount}</td>
            <td title={formatTime(t.lastOutputAt)}>{formatAgo(t.lastOutputAt)}</td>
            <td>
              {t.latestDrift?.score == null ? (
                <span className="muted">–</span>
              ) : (
                <>
                  <span className="mono">
                    {t.latestDrift.score.toFixed(3)} {t.latestDrift.method}
                  </span>{" "}
                  {t.latestDrift.drifted && (
                    <Tag intent="danger" minimal data-testid="drifted-tag">
                      drifted
                    </Tag>
                  )}
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}
