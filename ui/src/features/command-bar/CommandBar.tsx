// mltrace's command bar: type a command, Enter runs it. Tab or a click completes; arrow keys walk the
// suggestions while they are open and previous commands otherwise; "/" or Ctrl+K focuses the bar from anywhere.

import { Icon, InputGroup, Menu, MenuItem } from "@blueprintjs/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { ApiError } from "../../api/client";
import { Catalog as CatalogQuery, FlagOutput, UnflagOutput } from "../../api/operations";
import { mutate, useQuery } from "../../api/useQuery";
import { type Catalog, EMPTY_CATALOG, suggest } from "../../model/commands/complete";
import { CommandHistory, loadHistory, saveHistory } from "../../model/commands/history";
import { parseCommand } from "../../model/commands/parse";
import { commandPath, pathCommand } from "../../model/commands/routes";
import { toast } from "../../components/toaster";

const CATALOG_RUNS = 500;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function CommandBar() {
  const navigate = useNavigate();
  const location = useLocation();
  const [text, setText] = useState(() => pathCommand(location.pathname, location.search));
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [highlight, setHighlight] = useState(-1);
  const history = useRef(new CommandHistory(loadHistory(storage())));
  const input = useRef<HTMLInputElement>(null);
  // Closing the list on blur waits a moment (a click on a suggestion blurs first); a focus that comes back
  // before then must cancel it, or the list shuts while the user is already typing the next command.
  const blurTimer = useRef<number | undefined>(undefined);

  // Completion data is fetched when the bar is first used, not with every page: it would compete with the
  // view's own query for the server.
  const [wantCatalog, setWantCatalog] = useState(false);
  const catalogQuery = useQuery(CatalogQuery, { first: CATALOG_RUNS }, { live: true, skip: !wantCatalog });
  const catalog: Catalog = useMemo(() => {
    const d = catalogQuery.data;
    if (!d) return EMPTY_CATALOG;
    const runs = d.recentRuns.edges.map((e) => e.node);
    return {
      components: d.components.map((c) => c.name),
      tags: d.tags,
      // Outputs of the newest runs plus every flagged one (the API has no pointer search to ask instead).
      outputs: [...new Set([...d.flaggedOutputs.map((p) => p.name), ...runs.flatMap((r) => r.outputs.map((o) => o.name))])],
      runs: runs.map((r) => r.id),
    };
  }, [catalogQuery.data]);
  const suggestions = useMemo(() => (open ? suggest(text, catalog) : []), [open, text, catalog]);

  // The bar shows the command of the page being viewed: after a reload, a link click or Back.
  useEffect(() => {
    setText(pathCommand(location.pathname, location.search));
    setOpen(false);
    setError(null);
  }, [location.pathname, location.search]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
      if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey))) {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const run = useCallback(
    async (line: string) => {
      const parsed = parseCommand(line);
      if (!parsed.ok) {
        setError(parsed.error);
        return;
      }
      setError(null);
      setOpen(false);
      history.current.push(line);
      saveHistory(storage(), history.current.all);
      const { command } = parsed;
      if (command.kind === "flag" || command.kind === "unflag") {
        try {
          if (command.kind === "flag") await mutate(FlagOutput, { name: command.output });
          else await mutate(UnflagOutput, { name: command.output });
          void toast(`${command.kind === "flag" ? "Flagged" : "Unflagged"} ${command.output}`, "success");
        } catch (e) {
          setError(e instanceof ApiError ? e.message : String(e));
          return;
        }
      }
      const path = commandPath(command);
      // Same URL (e.g. flag from the trace page): navigate anyway so the view refetches.
      navigate(path, { state: { at: Date.now() } });
      input.current?.blur();
    },
    [navigate],
  );

  const accept = (index: number) => {
    const chosen = suggestions[index];
    if (!chosen) return;
    setText(chosen.text);
    setHighlight(-1);
    setOpen(chosen.text.endsWith(" "));
    input.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    const listOpen = suggestions.length > 0;
    switch (event.key) {
      case "Enter":
        event.preventDefault();
        if (listOpen && highlight >= 0) accept(highlight);
        else void run(text);
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
        else {
          const next = history.current.next();
          if (next !== null) setText(next);
        }
        break;
      case "ArrowUp":
        event.preventDefault();
        if (listOpen) setHighlight((h) => (h <= 0 ? suggestions.length - 1 : h - 1));
        else {
          const previous = history.current.previous(text);
          if (previous !== null) setText(previous);
        }
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
        placeholder="Type a command: recent, history etl 5, inspect RUN_ID, trace OUTPUT, help   ( / to focus, ↑ for history)"
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
          history.current.reset();
        }}
        onKeyDown={onKeyDown}
        onFocus={() => {
          window.clearTimeout(blurTimer.current);
          setWantCatalog(true);
        }}
        onBlur={() => {
          blurTimer.current = window.setTimeout(() => setOpen(false), 150);
        }}
        rightElement={
          <button type="button" className="command-run" aria-label="Run command" onClick={() => void run(text)}>
            <Icon icon="key-enter" />
          </button>
        }
      />
      {suggestions.length > 0 && (
        <Menu className="command-suggestions" role="listbox" data-testid="suggestions">
          {suggestions.map((s, i) => (
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
      )}
      {error && (
        <div className="command-error" role="alert" data-testid="command-error">
          {error}
        </div>
      )}
    </div>
  );
}
