import { Callout, H2, H4, HTMLTable, ProgressBar, Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import { ReviewQuery } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { StatusTag } from "../runs/RunTable";
import { Empty, QueryGate } from "../../components/States";
import { formatAgo, formatTime } from "../../format";
import { FlagToggle } from "../pointers/PointerRow";
import { useTitle } from "../../components/useTitle";

const LIMIT = 50;

/** `review`: the flagged outputs and the runs (and components) most likely at fault, with how each score came. */
export function ReviewView() {
  useTitle("review");
  const state = useQuery(ReviewQuery, { limit: LIMIT }, { live: true });
  return (
    <section data-testid="view-review">
      <H2>Review</H2>
      <QueryGate what="review" state={state}>
        {({ review }) =>
          review.flagged.length === 0 ? (
            <Empty title="No flagged outputs">
              Flag an output you believe is wrong (<code>flag OUTPUT_ID</code>, or the switch next to an output in
              a run's inspector); review then ranks the runs its trace shares with other flagged outputs.
            </Empty>
          ) : (
            <>
              <H4>Flagged outputs ({review.flagged.length})</H4>
              <HTMLTable compact striped data-testid="flagged-outputs">
                <thead>
                  <tr>
                    <th>Output</th>
                    <th>Kind</th>
                    <th>Flagged</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {review.flagged.map((p) => (
                    <tr key={p.name}>
                      <td>
                        <Link to={paths.trace(p.name)} className="mono">
                          {p.name}
                        </Link>
                      </td>
                      <td>{p.kind}</td>
                      <td title={formatTime(p.flaggedAt)}>{formatAgo(p.flaggedAt)}</td>
                      <td>
                        <FlagToggle pointer={p} onChange={() => state.refetch()} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </HTMLTable>
              {review.unproduced.length > 0 && (
                <Callout intent="warning" compact>
                  No stored run produced {review.unproduced.length === 1 ? "this flagged output" : "these flagged outputs"}
                  : <span className="mono">{review.unproduced.join(", ")}</span>
                </Callout>
              )}
              <p className="muted">
                Scores compare the traces of {review.totalFailed} flagged and {review.totalPassed} unflagged outputs of
                the same components (Ochiai: runs found in many flagged and few unflagged traces rank first).
              </p>
              <H4>Most suspicious runs</H4>
              <HTMLTable compact striped className="review-table" data-testid="ranked-runs">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>Component</th>
                    <th>Run</th>
                    <th>Score</th>
                    <th>Flagged / unflagged traces</th>
                    <th>Status</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {review.runs.map((s, i) => (
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
                        <ProgressBar value={s.ochiai} stripes={false} animate={false} intent={s.ochiai > 0.7 ? "danger" : "warning"} />
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
              <H4>By component</H4>
              <HTMLTable compact striped className="review-table" data-testid="ranked-components">
                <thead>
                  <tr>
                    <th>Component</th>
                    <th>Score</th>
                    <th>Runs involved</th>
                    <th>Flagged / unflagged</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {review.components.map((c) => (
                    <tr key={c.name}>
                      <td>
                        <Link to={paths.history(c.name)}>{c.name}</Link>
                      </td>
                      <td>
                        <Tag minimal intent={c.ochiai > 0.7 ? "danger" : "none"}>
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
            </>
          )
        }
      </QueryGate>
    </section>
  );
}
