// An input or output of a run: links to its trace and lineage, and a flag toggle that calls the API.

import { Tag } from "@blueprintjs/core";
import { Link } from "react-router";
import type { Pointer } from "../../api/operations";
import { paths } from "../../model/commands/routes";
import { FlagToggle } from "./FlagToggle";
import "./pointers.css";

export function PointerRow({ pointer, flaggable }: { pointer: Pointer; flaggable: boolean }) {
  return (
    <li className="pointer-row" data-testid="pointer-row">
      {/* An output id or other name whose kind is not known gets no badge: "unknown" says nothing. */}
      {pointer.kind !== "unknown" && (
        <Tag minimal className="kind-tag">
          {pointer.kind}
        </Tag>
      )}
      <Link to={paths.trace(pointer.name)} className={pointer.flagged ? "pointer flagged mono" : "pointer mono"}>
        {pointer.name}
      </Link>
      <Link to={paths.lineageOfOutput(pointer.name)} className="muted small" title="Lineage graph">
        graph
      </Link>
      {flaggable && <FlagToggle pointer={pointer} />}
    </li>
  );
}
