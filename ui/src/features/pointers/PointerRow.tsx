// An input or output of a run: links to its trace and lineage, and a flag toggle that calls the API.

import { Switch, Tag } from "@blueprintjs/core";
import { useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/client";
import { FlagOutput, type Pointer, UnflagOutput } from "../../api/operations";
import { mutate } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { toast } from "../../components/toaster";

export function FlagToggle({ pointer, onChange }: { pointer: Pointer; onChange?: (p: Pointer) => void }) {
  const [flagged, setFlagged] = useState(pointer.flagged);
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    try {
      const changed = flagged
        ? (await mutate(UnflagOutput, { name: pointer.name })).unflagOutput
        : (await mutate(FlagOutput, { name: pointer.name })).flagOutput;
      setFlagged(changed.flagged);
      onChange?.(changed);
      void toast(`${changed.flagged ? "Flagged" : "Unflagged"} ${changed.name}`, "success");
    } catch (e) {
      void toast(e instanceof ApiError ? e.message : String(e), "danger");
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="flag-toggle-wrap" data-testid={`flag-${pointer.name}`}>
    <Switch
      className="flag-toggle"
      checked={flagged}
      disabled={busy}
      label={flagged ? "flagged" : "flag"}
      aria-label={`${flagged ? "Unflag" : "Flag"} ${pointer.name}`}
      onChange={() => void toggle()}
    />
    </span>
  );
}

export function PointerRow({ pointer, flaggable }: { pointer: Pointer; flaggable: boolean }) {
  return (
    <li className="pointer-row" data-testid="pointer-row">
      <Tag minimal className="kind-tag">
        {pointer.kind}
      </Tag>
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
