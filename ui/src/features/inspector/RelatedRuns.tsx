import { Section, SectionCard } from "@blueprintjs/core";
import type { RunDetail } from "../../api/operations";
import { edgesVia } from "../../model/runs/edgesVia";
import { RunTable } from "../runs/RunTable";

/** The runs this one read from (dependencies) or that read from it (dependents), with the pointers between. */
export function RelatedRuns(props: { title: string; edges: RunDetail["dependencyEdges"]; testId: string }) {
  const { runs, via } = edgesVia(props.edges);
  return (
    <Section title={`${props.title} (${runs.length})`} compact collapsible>
      <SectionCard padded={false} data-testid={props.testId}>
        {runs.length ? <RunTable runs={runs} via={via} /> : <p className="muted pad">None.</p>}
      </SectionCard>
    </Section>
  );
}
