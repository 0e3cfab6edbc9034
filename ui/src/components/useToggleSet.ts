import { type Dispatch, type SetStateAction, useCallback, useState } from "react";

type ToggleSet = [ReadonlySet<string>, (id: string) => void, Dispatch<SetStateAction<ReadonlySet<string>>>];

/** A set of ids toggled one at a time (collapsed tree rows); the setter replaces it whole (collapse all). */
export function useToggleSet(): ToggleSet {
  const [ids, setIds] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = useCallback((id: string) => {
    setIds((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  return [ids, toggle, setIds];
}
