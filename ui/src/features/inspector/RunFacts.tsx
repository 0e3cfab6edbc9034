import { HTMLTable, Section, SectionCard, Tag } from "@blueprintjs/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { RunDetail } from "../../api/operations";
import { formatAgo, formatDuration, formatTime } from "../../format";
import { paths } from "../../model/commands/routes";
import { TagLinks } from "../runs/ComponentFacts";
import { StatusTag } from "../runs/StatusTags";

/** The "Run" section: component, owner, timing, status, code version, and where the span sits in OTel. */
export function RunFacts({ run }: { run: RunDetail }) {
  const component = run.component;
  return (
    <Section title="Run" compact>
      <SectionCard>
        <HTMLTable compact className="facts" data-testid="run-facts">
          <tbody>
            <Fact label="Component">
              {run.componentName ? <Link to={paths.history(run.componentName)}>{run.componentName}</Link> : "—"}
            </Fact>
            <Fact label="Owner">{component?.owner ?? "—"}</Fact>
            <Fact label="Description">{component?.description ?? "—"}</Fact>
            <Fact label="Tags">
              <TagLinks tags={component?.tags ?? []} />
            </Fact>
            <Fact label="Started">
              {formatTime(run.startTime)} <span className="muted">({formatAgo(run.startTime)})</span>
            </Fact>
            <Fact label="Duration">{formatDuration(run.durationMs)}</Fact>
            <Fact label="Status">
              <StatusTag code={run.status.code} message={run.status.message} />
              {run.status.message && <span className="status-message"> {run.status.message}</span>}
            </Fact>
            <Fact label="Git commit">
              <span className="mono" title={run.gitHash ?? ""}>
                {run.gitHash ?? "—"}
              </span>{" "}
              {run.gitTags.map((t) => (
                <Tag key={t} minimal icon="git-branch">
                  {t}
                </Tag>
              ))}
            </Fact>
            <Fact label="Service">{run.serviceName ?? "—"}</Fact>
            <Fact label="OTel trace">
              <Link to={paths.otel(run.traceId, run.id)} className="mono">
                {run.traceId}
              </Link>
            </Fact>
            <Fact label="Span">
              <span className="mono">{run.name}</span> <span className="muted">({run.kind.toLowerCase()})</span>
              {run.parentId && (
                <>
                  {" "}
                  parent{" "}
                  <Link to={paths.run(run.parentId)} className="mono">
                    {run.parentId}
                  </Link>
                </>
              )}
            </Fact>
          </tbody>
        </HTMLTable>
      </SectionCard>
    </Section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{children}</td>
    </tr>
  );
}
