import { Tag } from "@blueprintjs/core";

/** failed (red, the message on hover), ok, or done (status unset). */
export function StatusTag({ code, message }: { code: string; message?: string | null }) {
  if (code === "ERROR")
    return (
      <Tag intent="danger" icon="error" title={message ?? "failed"} data-testid="status-failed">
        failed
      </Tag>
    );
  return (
    <Tag minimal intent={code === "OK" ? "success" : "none"} data-testid="status">
      {code === "OK" ? "ok" : "done"}
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
