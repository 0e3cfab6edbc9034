import {
  AnchorButton,
  Button,
  Callout,
  H2,
  H4,
  HTMLTable,
  Section,
  SectionCard,
  Tag,
  TextArea,
} from "@blueprintjs/core";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { type RunDetail, RunDetails, SetRunNotes } from "../../api/operations";
import { mutate, useQuery } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { CodeBlock } from "../../components/CodeBlock";
import { KeyValues } from "../../components/KeyValues";
import { LinkButton } from "../../components/LinkButton";
import { RunTable, StaleTag, StatusTag } from "../runs/RunTable";
import { QueryGate } from "../../components/States";
import { toast } from "../../components/toaster";
import { formatAgo, formatDuration, formatTime, formatValue } from "../../format";
import { TagLinks } from "../runs/ComponentFacts";
import { PointerRow } from "../pointers/PointerRow";
import { useTitle } from "../../components/useTitle";

/** `inspect RUN_ID`: everything about one run. */
export function InspectView() {
  const id = (useParams().id ?? "").toLowerCase();
  useTitle(`inspect ${id}`);
  const state = useQuery(RunDetails, { id });
  return (
    <section data-testid="view-inspect">
      <QueryGate what={`run ${id}`} state={state}>
        {(data) => <RunInspector run={data.run} />}
      </QueryGate>
    </section>
  );
}

function edgesVia(edges: RunDetail["dependencyEdges"]) {
  const via = new Map<string, string[]>();
  for (const e of edges) via.set(e.run.id, [...(via.get(e.run.id) ?? []), e.via || "span link"]);
  const runs = [...new Map(edges.map((e) => [e.run.id, e.run])).values()];
  return { runs, via };
}

function RunInspector({ run }: { run: RunDetail }) {
  const failed = run.status.code === "ERROR";
  const deps = edgesVia(run.dependencyEdges);
  const dependents = edgesVia(run.dependentEdges);
  const component = run.component;
  return (
    <div className="inspector">
      <div className="inspector-title">
        <H2>
          {run.componentName ? (
            <Link to={paths.history(run.componentName)} data-testid="component-link">
              {run.componentName}
            </Link>
          ) : (
            run.name
          )}{" "}
          <span className="mono muted run-id">{run.id}</span>
        </H2>
        <span className="title-tags">
          <StatusTag code={run.status.code} message={run.status.message} />
          <StaleTag reasons={run.stale} />
          {!run.isComponentRun && <Tag minimal>plain span</Tag>}
        </span>
        <span className="title-actions">
          <LinkButton to={paths.lineageOfRun(run.id)} icon="graph" text="Lineage" data-testid="open-lineage" />
          <LinkButton to={paths.otel(run.traceId, run.id)} icon="gantt-chart" text="OTel trace" data-testid="open-otel" />
        </span>
      </div>

      {failed && (
        <Callout intent="danger" icon="error" title="This run failed" data-testid="failed-callout">
          {run.status.message || "The span ended with status ERROR."}
        </Callout>
      )}
      {run.stale.length > 0 && (
        <Callout intent="warning" icon="time" title="This run is stale" data-testid="stale-callout">
          <ul className="reasons">
            {run.stale.map((r, i) => (
              <li key={i}>
                {r.reason} (dependency <Link to={paths.run(r.dependencyId)} className="mono">{r.dependencyId}</Link>
                {r.newerRunId && (
                  <>
                    , newer run <Link to={paths.run(r.newerRunId)} className="mono">{r.newerRunId}</Link>
                  </>
                )}
                )
              </li>
            ))}
          </ul>
        </Callout>
      )}

      <div className="inspector-grid">
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
                      parent <Link to={paths.run(run.parentId)} className="mono">{run.parentId}</Link>
                    </>
                  )}
                </Fact>
              </tbody>
            </HTMLTable>
          </SectionCard>
        </Section>

        <Section title="Inputs and outputs" compact>
          <SectionCard>
            <H4 className="io-title">Inputs</H4>
            {run.inputs.length ? (
              <ul className="pointer-rows" data-testid="inputs">
                {run.inputs.map((p) => (
                  <PointerRow key={p.name} pointer={p} flaggable={false} />
                ))}
              </ul>
            ) : (
              <p className="muted">None.</p>
            )}
            <H4 className="io-title">Outputs</H4>
            {run.outputs.length ? (
              <ul className="pointer-rows" data-testid="outputs">
                {run.outputs.map((p) => (
                  <PointerRow key={p.name} pointer={p} flaggable />
                ))}
              </ul>
            ) : (
              <p className="muted">None.</p>
            )}
          </SectionCard>
        </Section>
      </div>

      <Notes run={run} />

      <Section title="Code" compact collapsible>
        <SectionCard>
          {run.codeSnapshot ? (
            <CodeBlock code={run.codeSnapshot} />
          ) : (
            <p className="muted">No code snapshot was captured for this run.</p>
          )}
        </SectionCard>
      </Section>

      <Section title={`Test results (${run.testResults.length})`} compact collapsible>
        <SectionCard>
          {run.testResults.length ? (
            <HTMLTable compact data-testid="test-results">
              <thead>
                <tr>
                  <th>Test</th>
                  <th>Phase</th>
                  <th>Result</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {run.testResults.map((t, i) => (
                  <tr key={i}>
                    <td className="mono">{formatValue(t.test ?? "")}</td>
                    <td>{formatValue(t.phase ?? "")}</td>
                    <td>
                      {t.passed === true || t.passed === "true" ? (
                        <Tag intent="success" minimal>passed</Tag>
                      ) : (
                        <Tag intent="danger">failed</Tag>
                      )}
                    </td>
                    <td>{t.message ? formatValue(t.message) : ""}</td>
                  </tr>
                ))}
              </tbody>
            </HTMLTable>
          ) : (
            <p className="muted">No tests ran with this run.</p>
          )}
        </SectionCard>
      </Section>

      <Section title={`Dependencies (${deps.runs.length})`} compact collapsible>
        <SectionCard padded={false} data-testid="dependencies">
          {deps.runs.length ? <RunTable runs={deps.runs} via={deps.via} /> : <p className="muted pad">None.</p>}
        </SectionCard>
      </Section>
      <Section title={`Dependents (${dependents.runs.length})`} compact collapsible>
        <SectionCard padded={false} data-testid="dependents">
          {dependents.runs.length ? (
            <RunTable runs={dependents.runs} via={dependents.via} />
          ) : (
            <p className="muted pad">None.</p>
          )}
        </SectionCard>
      </Section>

      <div className="inspector-grid">
        <Section title="Attributes" compact collapsible>
          <SectionCard>
            <KeyValues values={run.attributes} testId="attributes" />
          </SectionCard>
        </Section>
        <Section title="Resource" compact collapsible>
          <SectionCard>
            <KeyValues values={run.resource} testId="resource" />
          </SectionCard>
        </Section>
      </div>

      <Section title={`Span links (${run.links.length})`} compact collapsible>
        <SectionCard>
          {run.links.length ? (
            <ul className="links" data-testid="span-links">
              {run.links.map((link, i) => {
                const spanId = String(link.span_id ?? link.spanId ?? "");
                const traceId = String(link.trace_id ?? link.traceId ?? "");
                return (
                  <li key={i}>
                    run <Link to={paths.run(spanId)} className="mono">{spanId}</Link> in trace{" "}
                    <Link to={paths.otel(traceId, spanId)} className="mono">
                      {traceId}
                    </Link>
                    {link.attributes && Object.keys(link.attributes).length > 0 && (
                      <span className="muted mono"> {JSON.stringify(link.attributes)}</span>
                    )}
                  </li>
                );
              })}
            </ul>
          ) : (
            <p className="muted">None.</p>
          )}
        </SectionCard>
      </Section>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{children}</td>
    </tr>
  );
}

function Notes({ run }: { run: RunDetail }) {
  const [saved, setSaved] = useState(run.notes ?? "");
  const [draft, setDraft] = useState(run.notes ?? "");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setSaved(run.notes ?? "");
    setDraft(run.notes ?? "");
  }, [run.id, run.notes]);
  const save = async () => {
    setBusy(true);
    try {
      const result = await mutate(SetRunNotes, { id: run.id, notes: draft });
      setSaved(result.setRunNotes.notes ?? "");
      void toast("Notes saved", "success");
    } catch (e) {
      void toast(e instanceof ApiError ? e.message : String(e), "danger");
    } finally {
      setBusy(false);
    }
  };
  const dirty = draft !== saved;
  return (
    <Section title="Notes" compact>
      <SectionCard>
        <TextArea
          fill
          autoResize
          aria-label="Notes"
          data-testid="notes"
          placeholder="Anything worth remembering about this run (Ctrl+Enter saves)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && dirty) void save();
          }}
        />
        <div className="notes-actions">
          <AnchorButton
            intent="primary"
            text={dirty ? "Save notes" : "Saved"}
            disabled={!dirty || busy}
            loading={busy}
            data-testid="save-notes"
            onClick={() => void save()}
          />
          {dirty && <Button variant="minimal" text="Discard" onClick={() => setDraft(saved)} />}
        </div>
      </SectionCard>
    </Section>
  );
}
