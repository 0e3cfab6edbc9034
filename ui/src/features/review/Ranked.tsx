// The review's two rankings: runs, then components, by Ochiai score, each with the counts and the explanation.

import { HTMLTable, ProgressBar, Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import type { ReviewData } from "../../api/operations";
import { TableHead } from "../../components/TableHead";
import { paths } from "../../model/commands/routes";
import { StatusTag } from "../runs/StatusTags";

const SUSPICIOUS = 0.7;

export function RankedRuns({ runs }: { runs: ReviewData["runs"] }) {
  return (
    <HTMLTable compact striped className="review-table" data-testid="ranked-runs">
      <TableHead columns={["#", "Component", "Run", "Score", "Flagged / unflagged traces", "Status", "Why"]} />
      <tbody>
        {runs.map((s, i) => (
          <tr key={s.run.id} data-run-id={s.run.id}>
            <td>{i + 1}</td>
            <td>
              <Link to={paths.history(s.run.componentName ?? s.run.name)}>{s.run.componentName ?? s.run.name}</Link>
            </td>
            <td>
              <Link to={paths.run(s.run.id)} className="mono">
                {s.run.id}
              </Link>
            </td>
            <td className="score-cell">
              <span className="score">{s.ochiai.toFixed(3)}</span>
              <ProgressBar
                value={s.ochiai}
                stripes={false}
                animate={false}
                intent={s.ochiai > SUSPICIOUS ? "danger" : "warning"}
              />
            </td>
            <td>
              {s.failed} / {s.passed}
            </td>
            <td>
              <StatusTag code={s.run.status.code} message={s.run.status.message} />
            </td>
            <td className="explanation">{s.explanation}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

export function RankedComponents({ components }: { components: ReviewData["components"] }) {
  return (
    <HTMLTable compact striped className="review-table" data-testid="ranked-components">
      <TableHead columns={["Component", "Score", "Runs involved", "Flagged / unflagged", "Why"]} />
      <tbody>
        {components.map((c) => (
          <tr key={c.name}>
            <td>
              <Link to={paths.history(c.name)}>{c.name}</Link>
            </td>
            <td>
              <Tag minimal intent={c.ochiai > SUSPICIOUS ? "danger" : "none"}>
                {c.ochiai.toFixed(3)}
              </Tag>
            </td>
            <td>{c.runs}</td>
            <td>
              {c.failed} / {c.passed}
            </td>
            <td className="explanation">{c.explanation}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}
