import { Button, ControlGroup, FormGroup, InputGroup, NumericInput } from "@blueprintjs/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import { DEFAULT_HISTORY_N } from "../../model/commands/parse";
import { paths } from "../../model/commands/routes";
import "./runs.css";

interface Filter {
  n: number;
  from: string;
  to: string;
}

/** How many runs and which days: edited as a draft, shown (as the page's URL) on submit. */
export function HistoryFilter({ component, ...shown }: Filter & { component: string }) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Filter>(shown);
  // The URL changed (Back, a command): the form shows what the page shows.
  const [applied, setApplied] = useState<Filter>(shown);
  if (applied.n !== shown.n || applied.from !== shown.from || applied.to !== shown.to) {
    setApplied(shown);
    setDraft(shown);
  }
  const apply = () => {
    const q = new URLSearchParams();
    if (draft.n !== DEFAULT_HISTORY_N) q.set("n", String(draft.n));
    if (draft.from) q.set("from", draft.from);
    if (draft.to) q.set("to", draft.to);
    const qs = q.toString();
    void navigate(`${paths.history(component)}${qs ? `?${qs}` : ""}`);
  };
  return (
    <form
      className="history-controls"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <ControlGroup>
        <FormGroup label="Runs" inline>
          <NumericInput
            aria-label="Number of runs"
            min={1}
            max={1000}
            value={draft.n}
            onValueChange={(v) => setDraft((d) => ({ ...d, n: Number.isFinite(v) && v >= 1 ? Math.floor(v) : d.n }))}
            style={{ width: 70 }}
          />
        </FormGroup>
        <DayInput label="From" value={draft.from} onChange={(from) => setDraft((d) => ({ ...d, from }))} />
        <DayInput label="To" value={draft.to} onChange={(to) => setDraft((d) => ({ ...d, to }))} />
        <Button type="submit" intent="primary" text="Show" />
      </ControlGroup>
    </form>
  );
}

function DayInput({ label, value, onChange }: { label: string; value: string; onChange: (day: string) => void }) {
  return (
    <FormGroup label={label} inline>
      <InputGroup type="date" aria-label={`${label} date`} value={value} onChange={(e) => onChange(e.target.value)} />
    </FormGroup>
  );
}
