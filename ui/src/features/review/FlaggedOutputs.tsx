import { HTMLTable } from "@blueprintjs/core";
import { Link } from "react-router";
import type { Pointer } from "../../api/operations";
import { TableHead } from "../../components/TableHead";
import { formatAgo, formatTime } from "../../format";
import { paths } from "../../model/commands/routes";
import { FlagToggle } from "../pointers/FlagToggle";

/** The outputs flagged as wrong, each with its switch to unflag it. */
export function FlaggedOutputs({ flagged, onChange }: { flagged: Pointer[]; onChange: () => void }) {
  return (
    <HTMLTable compact striped data-testid="flagged-outputs">
      <TableHead columns={["Output", "Kind", "Flagged", ""]} />
      <tbody>
        {flagged.map((p) => (
          <tr key={p.name}>
            <td>
              <Link to={paths.trace(p.name)} className="mono">
                {p.name}
              </Link>
            </td>
            <td>{p.kind}</td>
            <td title={formatTime(p.flaggedAt)}>{formatAgo(p.flaggedAt)}</td>
            <td>
              <FlagToggle pointer={p} onChange={onChange} />
            </td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}
