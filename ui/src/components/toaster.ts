import { OverlayToaster, Position, type Toaster } from "@blueprintjs/core";

let toaster: Promise<Toaster> | null = null;

/** One toaster for the app, created on first use. */
function getToaster(): Promise<Toaster> {
  toaster ??= OverlayToaster.create({ position: Position.BOTTOM_RIGHT, maxToasts: 4 });
  return toaster;
}

export async function toast(message: string, intent: "success" | "danger" | "primary" = "primary"): Promise<void> {
  (await getToaster()).show({ message, intent, timeout: intent === "danger" ? 8000 : 3000 });
}
