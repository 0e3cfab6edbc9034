import { Switch, Tag } from "@blueprintjs/core";
import { useState } from "react";
import { ApiError } from "../../api/client";
import { FlagOutput, type Pointer, UnflagOutput } from "../../api/operations";
import { mutate } from "../../api/useQuery";
import { toast } from "../../components/toaster";
import { useCanAnnotate } from "../signin/session";

/** A switch that flags or unflags an output through the API and says how it went. */
export function FlagToggle({ pointer, onChange }: { pointer: Pointer; onChange?: (p: Pointer) => void }) {
  const [flagged, setFlagged] = useState(pointer.flagged);
  const [busy, setBusy] = useState(false);
  const [flaggedBy, setFlaggedBy] = useState(pointer.flaggedBy);
  const canAnnotate = useCanAnnotate();
  const toggle = async () => {
    setBusy(true);
    try {
      const changed = flagged
        ? (await mutate(UnflagOutput, { name: pointer.name })).unflagOutput
        : (await mutate(FlagOutput, { name: pointer.name })).flagOutput;
      setFlagged(changed.flagged);
      setFlaggedBy(changed.flaggedBy);
      onChange?.(changed);
      void toast(`${changed.flagged ? "Flagged" : "Unflagged"} ${changed.name}`, "success");
    } catch (e) {
      void toast(e instanceof ApiError ? e.message : String(e), "danger");
    } finally {
      setBusy(false);
    }
  };
  const by =
    flagged && flaggedBy ? (
      <span className="muted flagged-by" data-testid={`flagged-by-${pointer.name}`}>
        by {flaggedBy.replace(/^key:/, "")}
      </span>
    ) : null;
  // A key without the annotate scope sees the state but no switch: the server would refuse the change.
  if (!canAnnotate)
    return (
      <span className="flag-toggle-wrap" data-testid={`flag-${pointer.name}`}>
        {flagged && (
          <Tag minimal intent="danger">
            flagged
          </Tag>
        )}
        {by}
      </span>
    );
  return (
    <span className="flag-toggle-wrap" data-testid={`flag-${pointer.name}`}>
      {by}
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
