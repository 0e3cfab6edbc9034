import { Callout } from "@blueprintjs/core";
import type { RunDetail } from "../../api/operations";

/** The run's recorded exceptions (OTel `exception` span events) with their stack traces, on the run page itself. */
export function Failure({ run }: { run: RunDetail }) {
  const exceptions = run.events.filter((e) => e.name === "exception");
  if (!exceptions.length) return null;
  return (
    <div className="inspector-failure" data-testid="exceptions">
      {exceptions.map((e, i) => {
        const attrs = e.attributes;
        const type = typeof attrs["exception.type"] === "string" ? attrs["exception.type"] : "exception";
        const message = typeof attrs["exception.message"] === "string" ? attrs["exception.message"] : "";
        const trace = typeof attrs["exception.stacktrace"] === "string" ? attrs["exception.stacktrace"] : null;
        return (
          <Callout key={i} intent="danger" icon="error" title={message ? `${type}: ${message}` : type}>
            {trace ? (
              <pre className="inspector-stacktrace" data-testid="stacktrace">
                {trace}
              </pre>
            ) : (
              <p className="muted">No stack trace was recorded with this exception.</p>
            )}
          </Callout>
        );
      })}
    </div>
  );
}
