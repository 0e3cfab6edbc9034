import type { Virtualizer } from "@tanstack/react-virtual";
import { type Dispatch, type KeyboardEvent, type SetStateAction, useEffect, useRef } from "react";
import { type SpanNode, type SpanTree, ancestorIds } from "../../model/otel/spanTree";
import type { Span } from "./SpanRowView";

interface Navigation {
  tree: SpanTree<Span>;
  rows: SpanNode<Span>[];
  selected: string | null;
  collapsed: ReadonlySet<string>;
  setCollapsed: Dispatch<SetStateAction<ReadonlySet<string>>>;
  toggle: (id: string) => void;
  select: (id: string | null) => void;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
}

/** Keeps the selected span in view: a deep link to a span expands its ancestors and scrolls to it once; the
 *  keys walk the rows (up, down), collapse and expand (left, right) and close the details (Escape). */
export function useWaterfallNavigation(nav: Navigation): (e: KeyboardEvent) => void {
  const { tree, rows, selected, collapsed, setCollapsed, toggle, select, virtualizer } = nav;
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (!selected || scrolledTo.current === selected || !tree.byId.has(selected)) return;
    const ancestors = ancestorIds(tree, selected);
    if (ancestors.some((a) => collapsed.has(a))) {
      setCollapsed((c) => new Set([...c].filter((id) => !ancestors.includes(id))));
      return;
    }
    const index = rows.findIndex((r) => r.span.id === selected);
    if (index >= 0) {
      virtualizer.scrollToIndex(index, { align: "center" });
      scrolledTo.current = selected;
    }
  }, [selected, tree, rows, collapsed, setCollapsed, virtualizer]);

  return (e: KeyboardEvent) => {
    const index = rows.findIndex((r) => r.span.id === selected);
    const current = index >= 0 ? rows[index] : undefined;
    const move = (i: number) => {
      const target = Math.max(0, Math.min(rows.length - 1, i));
      if (target < rows.length) {
        scrolledTo.current = rows[target].span.id;
        select(rows[target].span.id);
        virtualizer.scrollToIndex(target);
      }
    };
    if (e.key === "ArrowDown") move(index + 1);
    else if (e.key === "ArrowUp") move(index <= 0 ? 0 : index - 1);
    else if (e.key === "ArrowLeft" && current?.children.length && !collapsed.has(current.span.id))
      toggle(current.span.id);
    else if (e.key === "ArrowRight" && current && collapsed.has(current.span.id)) toggle(current.span.id);
    else if (e.key === "Escape") select(null);
    else return;
    e.preventDefault();
  };
}
