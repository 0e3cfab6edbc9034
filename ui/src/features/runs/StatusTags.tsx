import { Tag } from "@blueprintjs/core";

/** The words every view uses (mltrace_otel/status_words.py): failed (OTel ERROR, red, the message on hover) or
 * succeeded (OK or UNSET: ended without an error), the OTel code on hover. */
export function StatusTag({ code, message }: { code: string; message?: string | null }) {
  if (code === "ERROR")
    return (
      <Tag intent="danger" icon="error" title={message ?? "failed"} data-testid="status-failed">
        failed
      </Tag>
    );
  return (
    <Tag minimal intent="success" title={`OTel status ${code}`} data-testid="status">
      succeeded
    </Tag>
  );
}

/** "stale", with the reasons on hover; nothing for a current run. */
export function StaleTag({ reasons }: { reasons: { reason: string }[] }) {
  if (!reasons.length) return null;
  return (
    <Tag intent="warning" minimal icon="time" title={reasons.map((r) => r.reason).join("\n")} data-testid="stale">
      stale
    </Tag>
  );
}
