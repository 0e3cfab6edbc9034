import { AnchorButton, Button, Section, SectionCard, TextArea } from "@blueprintjs/core";
import { useState } from "react";
import { ApiError } from "../../api/client";
import { type RunDetail, SetRunNotes } from "../../api/operations";
import { mutate } from "../../api/useQuery";
import { toast } from "../../components/toaster";
import { useCanAnnotate } from "../signin/session";

/** Free-text notes on a run, saved with a button or Ctrl+Enter; unsaved edits can be discarded. */
export function Notes({ run }: { run: RunDetail }) {
  const [saved, setSaved] = useState(run.notes ?? "");
  const [draft, setDraft] = useState(run.notes ?? "");
  const [busy, setBusy] = useState(false);
  const canAnnotate = useCanAnnotate();
  // Another run, or this run's notes changed under us (a refetch): start again from what is stored.
  const [shown, setShown] = useState({ id: run.id, notes: run.notes });
  if (shown.id !== run.id || shown.notes !== run.notes) {
    setShown({ id: run.id, notes: run.notes });
    setSaved(run.notes ?? "");
    setDraft(run.notes ?? "");
  }
  const save = async () => {
    setBusy(true);
    try {
      const result = await mutate(SetRunNotes, { id: run.id, notes: draft });
      setSaved(result.setRunNotes.notes ?? "");
      void toast("Notes saved", "success");
    } catch (e) {
      void toast(e instanceof ApiError ? e.message : String(e), "danger");
    } finally {
      setBusy(false);
    }
  };
  const dirty = draft !== saved;
  return (
    <Section title="Notes" compact>
      <SectionCard>
        <TextArea
          fill
          autoResize
          aria-label="Notes"
          data-testid="notes"
          placeholder="Anything worth remembering about this run (Ctrl+Enter saves)"
          value={draft}
          readOnly={!canAnnotate}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && dirty) void save();
          }}
        />
        {canAnnotate && (
          <div className="notes-actions">
            <AnchorButton
              intent="primary"
              text={dirty ? "Save notes" : "Saved"}
              disabled={!dirty || busy}
              loading={busy}
              data-testid="save-notes"
              onClick={() => void save()}
            />
            {dirty && <Button variant="minimal" text="Discard" onClick={() => setDraft(saved)} />}
          </div>
        )}
      </SectionCard>
    </Section>
  );
}
