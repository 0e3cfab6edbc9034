import { Section, SectionCard } from "@blueprintjs/core";
import { useParams } from "react-router";
import { type RunDetail, RunDetails } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { CodeBlock } from "../../components/CodeBlock";
import { KeyValues } from "../../components/KeyValues";
import { QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { Failure } from "./Failure";
import { InspectorCallouts, InspectorTitle } from "./InspectorTitle";
import { Notes } from "./Notes";
import { RelatedRuns } from "./RelatedRuns";
import { RunFacts } from "./RunFacts";
import { RunIO } from "./RunIO";
import { SpanLinks } from "./SpanLinks";
import { TestResults } from "./TestResults";
import "./inspector.css";

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

function RunInspector({ run }: { run: RunDetail }) {
  return (
    <div className="inspector">
      <InspectorTitle run={run} />
      <InspectorCallouts run={run} />
      <Failure run={run} />
      <div className="inspector-grid">
        <RunFacts run={run} />
        <RunIO run={run} />
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
      <TestResults results={run.testResults} />
      <RelatedRuns title="Dependencies" neighbours={run.dependenciesVia} testId="dependencies" />
      <RelatedRuns title="Dependents" neighbours={run.dependentsVia} testId="dependents" />
      <div className="inspector-grid">
        <ValuesSection title="Attributes" values={run.attributes} testId="attributes" />
        <ValuesSection title="Resource" values={run.resource} testId="resource" />
      </div>
      <SpanLinks links={run.links} />
    </div>
  );
}

function ValuesSection({ title, values, testId }: { title: string; values: RunDetail["attributes"]; testId: string }) {
  return (
    <Section title={title} compact collapsible>
      <SectionCard>
        <KeyValues values={values} testId={testId} />
      </SectionCard>
    </Section>
  );
}
