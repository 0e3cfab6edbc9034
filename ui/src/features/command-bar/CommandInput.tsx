import { Icon, InputGroup } from "@blueprintjs/core";
import { type KeyboardEvent, useCallback, useMemo, useRef, useState } from "react";
import { useLocation } from "react-router";
import { type Catalog, suggest } from "../../model/commands/complete";
import { pathCommand } from "../../model/commands/routes";
import { Suggestions } from "./Suggestions";
import { useFocusShortcut } from "./useFocusShortcut";
import { useRunCommand } from "./useRunCommand";

const PLACEHOLDER =
  "Type a command: recent, history etl 5, inspect RUN_ID, trace OUTPUT, help   ( / to focus, ↑ for history)";

/** The bar itself, completing against `catalog`; `onFocus` tells the owner the bar is in use. */
export function CommandInput({ catalog, onFocus }: { catalog: Catalog; onFocus: () => void }) {
  const location = useLocation();
  const [text, setText] = useState(() => pathCommand(location.pathname, location.search));
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [highlight, setHighlight] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  // Closing the list on blur waits a moment (a click on a suggestion blurs first); a focus that comes back
  // before then must cancel it, or the list shuts while the user is already typing the next command.
  const blurTimer = useRef<number | undefined>(undefined);
  const suggestions = useMemo(() => (open ? suggest(text, catalog) : []), [open, text, catalog]);
  const close = useCallback(() => setOpen(false), []);
  const commands = useRunCommand(input, { setError, accepted: close });
  useFocusShortcut(input);

  // The bar shows the command of the page being viewed: after a reload, a link click or Back.
  const [shown, setShown] = useState(location);
  if (shown.pathname !== location.pathname || shown.search !== location.search) {
    setShown(location);
    setText(pathCommand(location.pathname, location.search));
    setOpen(false);
    setError(null);
  }

  const accept = (index: number) => {
    const chosen = suggestions.at(index);
    if (!chosen) return;
    setText(chosen.text);
    setHighlight(-1);
    setOpen(chosen.text.endsWith(" "));
    input.current?.focus();
  };
  const recall = (line: string | null) => {
    if (line !== null) setText(line);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const listOpen = suggestions.length > 0;
    switch (event.key) {
      case "Enter":
        event.preventDefault();
        if (listOpen && highlight >= 0) accept(highlight);
        else void commands.run(text);
        break;
      case "Tab":
        if (listOpen) {
          event.preventDefault();
          accept(highlight >= 0 ? highlight : 0);
        }
        break;
      case "ArrowDown":
        event.preventDefault();
        if (listOpen) setHighlight((h) => (h + 1) % suggestions.length);
        else recall(commands.next());
        break;
      case "ArrowUp":
        event.preventDefault();
        if (listOpen) setHighlight((h) => (h <= 0 ? suggestions.length - 1 : h - 1));
        else recall(commands.previous(text));
        break;
      case "Escape":
        if (listOpen) setOpen(false);
        else input.current?.blur();
        setHighlight(-1);
        break;
    }
  };

  return (
    <div className="command-bar">
      <InputGroup
        inputRef={input}
        aria-label="Command"
        data-testid="command-input"
        leftIcon="console"
        placeholder={PLACEHOLDER}
        value={text}
        intent={error ? "danger" : "none"}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          window.clearTimeout(blurTimer.current);
          setText(e.target.value);
          setOpen(e.target.value.trim() !== "");
          setHighlight(-1);
          setError(null);
          commands.resetHistory();
        }}
        onKeyDown={onKeyDown}
        onFocus={() => {
          window.clearTimeout(blurTimer.current);
          onFocus();
        }}
        onBlur={() => {
          blurTimer.current = window.setTimeout(() => setOpen(false), 150);
        }}
        rightElement={
          <button
            type="button"
            className="command-run"
            aria-label="Run command"
            onClick={() => void commands.run(text)}
          >
            <Icon icon="key-enter" />
          </button>
        }
      />
      {suggestions.length > 0 && <Suggestions items={suggestions} highlight={highlight} accept={accept} />}
      {error && (
        <div className="command-error" role="alert" data-testid="command-error">
          {error}
        </div>
      )}
    </div>
  );
}
