import { Menu, MenuItem } from "@blueprintjs/core";
import type { Suggestion } from "../../model/commands/complete";

/** The completion list under the bar; a click accepts without taking the focus from the input. */
export function Suggestions(props: { items: Suggestion[]; highlight: number; accept: (index: number) => void }) {
  const { items, highlight, accept } = props;
  return (
    <Menu className="command-suggestions" role="listbox" data-testid="suggestions">
      {items.map((s, i) => (
        <MenuItem
          key={s.text}
          role="option"
          aria-selected={i === highlight}
          active={i === highlight}
          text={s.label}
          label={s.detail}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => accept(i)}
        />
      ))}
    </Menu>
  );
}
