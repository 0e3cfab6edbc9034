import { type RefObject, useCallback, useRef } from "react";
import { useNavigate } from "react-router";
import { ApiError } from "../../api/client";
import { FlagOutput, UnflagOutput } from "../../api/operations";
import { mutate } from "../../api/useQuery";
import { toast } from "../../components/toaster";
import { CommandHistory, loadHistory, saveHistory } from "../../model/commands/history";
import { type Command, parseCommand } from "../../model/commands/parse";
import { commandPath } from "../../model/commands/routes";

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** flag/unflag change the store before their route shows the output; every other command is only a route. */
async function applyMutation(command: Command): Promise<void> {
  if (command.kind === "flag") await mutate(FlagOutput, { name: command.output });
  else if (command.kind === "unflag") await mutate(UnflagOutput, { name: command.output });
  else return;
  void toast(`${command.kind === "flag" ? "Flagged" : "Unflagged"} ${command.output}`, "success");
}

interface RunCallbacks {
  /** A message for the user, or null to clear the last one. */
  setError: (error: string | null) => void;
  /** The line parsed: the suggestions close before anything else happens. */
  accepted: () => void;
}

/** Runs a command line (parse it, remember it, apply a flag/unflag, then show its view), and walks the lines
 *  run before with the arrow keys like a shell. */
export function useRunCommand(input: RefObject<HTMLInputElement | null>, { setError, accepted }: RunCallbacks) {
  const navigate = useNavigate();
  const history = useRef<CommandHistory | null>(null);
  const lines = useCallback(() => (history.current ??= new CommandHistory(loadHistory(storage()))), []);
  const run = useCallback(
    async (line: string) => {
      const parsed = parseCommand(line);
      if (!parsed.ok) {
        setError(parsed.error);
        return;
      }
      setError(null);
      accepted();
      lines().push(line);
      saveHistory(storage(), lines().all);
      try {
        await applyMutation(parsed.command);
      } catch (e) {
        setError(e instanceof ApiError ? e.message : String(e));
        return;
      }
      // Same URL (e.g. flag from the trace page): navigate anyway so the view refetches.
      void navigate(commandPath(parsed.command), { state: { at: Date.now() } });
      input.current?.blur();
    },
    [navigate, input, setError, accepted, lines],
  );
  return {
    run,
    previous: (draft: string) => lines().previous(draft),
    next: () => lines().next(),
    resetHistory: () => lines().reset(),
  };
}
