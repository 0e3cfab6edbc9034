import { Section, SectionCard } from "@blueprintjs/core";
import type { NeighbourRun } from "../../api/operations";
import { RunTable } from "../runs/RunTable";

/** The runs this one read from (dependencies) or that read from it (dependents), each once with the pointers between
 *  (the server merges them). */
export function RelatedRuns(props: { title: string; neighbours: NeighbourRun[]; testId: string }) {
  const runs = props.neighbours.map((n) => n.run);
  const via = new Map(props.neighbours.map((n) => [n.run.id, n.via]));
  return (
    <Section title={`${props.title} (${runs.length})`} compact collapsible>
      <SectionCard padded={false} data-testid={props.testId}>
        {runs.length ? <RunTable runs={runs} via={via} /> : <p className="muted pad">None.</p>}
      </SectionCard>
    </Section>
  );
}
