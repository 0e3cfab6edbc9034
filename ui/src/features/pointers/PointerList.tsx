import { Link } from "react-router";
import { paths } from "../../model/commands/routes";
import "./pointers.css";

/** A run's inputs or outputs in a table cell: the first few as links to their trace, flagged ones marked. */
export function PointerList({ pointers, max = 3 }: { pointers: { name: string; flagged: boolean }[]; max?: number }) {
  if (!pointers.length) return <span className="muted">—</span>;
  const shown = pointers.slice(0, max);
  return (
    <span className="pointer-list">
      {shown.map((p) => (
        <Link
          key={p.name}
          to={paths.trace(p.name)}
          className={p.flagged ? "pointer flagged" : "pointer"}
          title={p.name}
        >
          {p.flagged && "⚑ "}
          {p.name}
        </Link>
      ))}
      {pointers.length > max && <span className="muted"> +{pointers.length - max} more</span>}
    </span>
  );
}
