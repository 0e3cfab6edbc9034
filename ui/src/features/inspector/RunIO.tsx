import { H4, Section, SectionCard } from "@blueprintjs/core";
import type { Pointer, RunDetail } from "../../api/operations";
import { PointerRow } from "../pointers/PointerRow";

/** The run's inputs and outputs; outputs can be flagged from here. */
export function RunIO({ run }: { run: RunDetail }) {
  return (
    <Section title="Inputs and outputs" compact>
      <SectionCard>
        <PointerRows title="Inputs" pointers={run.inputs} flaggable={false} testId="inputs" />
        <PointerRows title="Outputs" pointers={run.outputs} flaggable testId="outputs" />
      </SectionCard>
    </Section>
  );
}

function PointerRows(props: { title: string; pointers: Pointer[]; flaggable: boolean; testId: string }) {
  const { title, pointers, flaggable, testId } = props;
  return (
    <>
      <H4 className="io-title">{title}</H4>
      {pointers.length ? (
        <ul className="pointer-rows" data-testid={testId}>
          {pointers.map((p) => (
            <PointerRow key={p.name} pointer={p} flaggable={flaggable} />
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
    </>
  );
}
