import { Callout } from "@blueprintjs/core";
import { Link } from "react-router";
import type { FailedAttempt } from "../../api/operations";
import { formatTime } from "../../format";
import { paths } from "../../model/commands/routes";

/** Failed runs that meant to rewrite the output after its producer: failed runs do not produce, they are shown. */
export function NewerFailedAttempts({ attempts }: { attempts: readonly FailedAttempt[] }) {
  if (!attempts.length) return null;
  return (
    <Callout intent="danger" icon="error" data-testid="newer-failed-attempts" title="A newer attempt failed">
      {attempts.map((a) => (
        <div key={a.runId}>
          {a.component} run{" "}
          <Link to={paths.run(a.runId)} className="mono">
            {a.runId}
          </Link>{" "}
          failed ({formatTime(a.endTime)}): it did not replace this output, so the trace starts at the run that last
          wrote it successfully.
        </div>
      ))}
    </Callout>
  );
}
