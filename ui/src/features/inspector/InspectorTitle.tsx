import { Callout, Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import type { RunDetail } from "../../api/operations";
import { LinkButton } from "../../components/LinkButton";
import { PageTitle } from "../../components/PageTitle";
import { paths } from "../../model/commands/routes";
import { DriftTags } from "../monitoring/DriftBadge";
import { StaleTag, StatusTag } from "../runs/StatusTags";

/** The run's component (or span name) and id, its state, and the ways to its lineage and OTel trace. */
export function InspectorTitle({ run }: { run: RunDetail }) {
  return (
    <PageTitle
      tags={
        <>
          <StatusTag code={run.status.code} message={run.status.message} />
          <StaleTag reasons={run.stale} />
          <DriftTags drift={run.drift} />
          {!run.isComponentRun && <Tag minimal>plain span</Tag>}
        </>
      }
      actions={
        <>
          <LinkButton to={paths.lineageOfRun(run.id)} icon="graph" text="Lineage" data-testid="open-lineage" />
          <LinkButton
            to={paths.otel(run.traceId, run.id)}
            icon="gantt-chart"
            text="OTel trace"
            data-testid="open-otel"
          />
        </>
      }
    >
      {run.componentName ? (
        <Link to={paths.history(run.componentName)} data-testid="component-link">
          {run.componentName}
        </Link>
      ) : (
        run.name
      )}{" "}
      <span className="mono muted run-id">{run.id}</span>
    </PageTitle>
  );
}

/** A failed or stale run says so before anything else, and why. */
export function InspectorCallouts({ run }: { run: RunDetail }) {
  return (
    <>
      {run.status.code === "ERROR" && (
        <Callout intent="danger" icon="error" title="This run failed" data-testid="failed-callout">
          {run.status.message || "The span ended with status ERROR."}
        </Callout>
      )}
      {run.stale.length > 0 && (
        <Callout intent="warning" icon="time" title="This run is stale" data-testid="stale-callout">
          <ul className="reasons">
            {run.stale.map((r, i) => (
              <li key={i}>
                {r.reason} (dependency{" "}
                <Link to={paths.run(r.dependencyId)} className="mono">
                  {r.dependencyId}
                </Link>
                {r.newerRunId && (
                  <>
                    , newer run{" "}
                    <Link to={paths.run(r.newerRunId)} className="mono">
                      {r.newerRunId}
                    </Link>
                  </>
                )}
                )
              </li>
            ))}
          </ul>
        </Callout>
      )}
    </>
  );
}
