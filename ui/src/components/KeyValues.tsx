import { HTMLTable } from "@blueprintjs/core";
import { formatValue } from "../format";
import "./KeyValues.css";

/** Attributes and resources: key/value rows, keys sorted, values as stored (JSON for non-strings). */
export function KeyValues({ values, testId }: { values: Record<string, unknown> | null | undefined; testId?: string }) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <p className="muted">None.</p>;
  return (
    <HTMLTable compact className="kv-table" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th className="mono">{k}</th>
            <td className="mono kv-value">{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}
