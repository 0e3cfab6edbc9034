import { HTMLTable, Section, SectionCard, Tag } from "@blueprintjs/core";
import type { RunDetail } from "../../api/operations";
import { TableHead } from "../../components/TableHead";
import { formatValue } from "../../format";

/** The tests that ran with the run (mltrace's before/after-run tests), failed ones marked. */
export function TestResults({ results }: { results: RunDetail["testResults"] }) {
  return (
    <Section title={`Test results (${results.length})`} compact collapsible>
      <SectionCard>
        {results.length ? (
          <HTMLTable compact data-testid="test-results">
            <TableHead columns={["Test", "Phase", "Result", "Message"]} />
            <tbody>
              {results.map((t, i) => (
                <tr key={i}>
                  <td className="mono">{formatValue(t.test ?? "")}</td>
                  <td>{formatValue(t.phase ?? "")}</td>
                  <td>
                    {t.passed === true || t.passed === "true" ? (
                      <Tag intent="success" minimal>
                        passed
                      </Tag>
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
  );
}
