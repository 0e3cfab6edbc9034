import { Button, ControlGroup, FormGroup, NumericInput, SegmentedControl } from "@blueprintjs/core";
import { useState } from "react";
import type { Direction } from "../../api/operations";

interface Props {
  direction: Direction;
  maxDepth: number | null;
  /** Sets (or, with null, removes) a query parameter of the page: the URL is the state. */
  setParam: (key: string, value: string | null) => void;
}

/** Upstream or downstream, and how deep: the depth is a draft until applied (Enter or the button). */
export function LineageControls({ direction, maxDepth, setParam }: Props) {
  const [depthDraft, setDepthDraft] = useState<number | null>(maxDepth);
  const applyDepth = () => setParam("depth", depthDraft ? String(depthDraft) : null);
  return (
    <ControlGroup className="lineage-controls">
      <SegmentedControl
        aria-label="Direction"
        data-testid="direction"
        value={direction}
        onValueChange={(v) => setParam("direction", v === "DOWNSTREAM" ? "downstream" : null)}
        options={[
          { label: "Upstream (what produced it)", value: "UPSTREAM" },
          { label: "Downstream (what used it)", value: "DOWNSTREAM" },
        ]}
      />
      <FormGroup label="Depth" inline className="depth-control">
        <NumericInput
          aria-label="Maximum depth"
          data-testid="depth"
          min={1}
          max={1000}
          placeholder="all"
          value={depthDraft ?? ""}
          onValueChange={(v) => setDepthDraft(Number.isFinite(v) && v >= 1 ? Math.floor(v) : null)}
          onKeyDown={(e) => {
            if (e.key === "Enter") applyDepth();
          }}
          style={{ width: 70 }}
        />
      </FormGroup>
      <Button text="Apply depth" onClick={applyDepth} />
      <Button
        variant="minimal"
        text="All"
        onClick={() => {
          setDepthDraft(null);
          setParam("depth", null);
        }}
      />
    </ControlGroup>
  );
}
