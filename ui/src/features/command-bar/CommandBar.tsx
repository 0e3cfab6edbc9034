// mltrace's command bar: type a command, Enter runs it. Tab or a click completes; arrow keys walk the
// suggestions while they are open and previous commands otherwise; "/" or Ctrl+K focuses the bar from anywhere.

import { CommandInput } from "./CommandInput";
import { useCatalog } from "./useCatalog";
import "./commandBar.css";

export function CommandBar() {
  const { catalog, want } = useCatalog();
  return <CommandInput catalog={catalog} onFocus={want} />;
}
