// Live updates: the runAdded subscription over a websocket (graphql-transport-ws), or polling the newest run
// when websockets are unavailable (a proxy that drops them). Views that show lists refetch when `version` moves.
// Polling also tells whether the server is reachable, so a server that went away is said so on every page.

import { createClient } from "graphql-ws";
import { createContext, type ReactNode, useEffect, useRef, useState } from "react";
import { doc, request } from "./client";
import { LatestRun } from "./operations";

type LiveMode = "connecting" | "websocket" | "polling";

export interface LiveState {
  /** Bumped (at most once per BUMP_MS) when new runs were stored. */
  version: number;
  mode: LiveMode;
  /** False while the server does not answer. */
  online: boolean;
}

export const LiveContext = createContext<LiveState>({ version: 0, mode: "connecting", online: true });

export const LIVE_SUBSCRIPTION = doc<{ runAdded: { id: string; arrivalCursor: string | null } }>(`
subscription RunAdded($after: String) {
  runAdded(after: $after) { id arrivalCursor }
}`);

const POLL_MS = 3000;
const BUMP_MS = 1000;

function websocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/graphql`;
}

/** Coalesces bursts (a pipeline storing 500 runs) into one refetch per BUMP_MS. */
function throttled(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

export function LiveProvider({ children, pollOnly = false }: { children: ReactNode; pollOnly?: boolean }) {
  const [state, setState] = useState<LiveState>({ version: 0, mode: "connecting", online: true });
  const stopped = useRef(false);

  useEffect(() => {
    stopped.current = false;
    const bump = throttled(() => setState((s) => ({ ...s, version: s.version + 1 })), BUMP_MS);
    let pollTimer: ReturnType<typeof setInterval> | null = null;
    let newest: string | null | undefined;

    const poll = async () => {
      try {
        const data = await request(LatestRun);
        const id = data.recentRuns.edges[0]?.node.id ?? null;
        setState((s) => (s.online ? s : { ...s, online: true, version: s.version + 1 }));
        // The first answer bumps too: a run stored between the views' own fetch and this first poll would
        // otherwise become the baseline and never be shown.
        if (id !== newest) bump();
        newest = id;
      } catch {
        setState((s) => (s.online ? { ...s, online: false } : s));
      }
    };
    const startPolling = () => {
      if (pollTimer || stopped.current) return;
      setState((s) => ({ ...s, mode: "polling" }));
      void poll();
      pollTimer = setInterval(() => void poll(), POLL_MS);
    };

    if (pollOnly || typeof WebSocket === "undefined") {
      startPolling();
      return () => {
        stopped.current = true;
        if (pollTimer) clearInterval(pollTimer);
      };
    }

    let everConnected = false;
    const client = createClient({
      url: websocketUrl(),
      lazy: false,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** retries))),
      on: {
        connected: () => {
          // The subscription delivers every run stored after the server acknowledged this connection. Refresh
          // once now for what was stored before that (since the views' own fetch, or during an outage).
          bump();
          everConnected = true;
          setState((s) => ({ ...s, mode: "websocket", online: true }));
        },
        closed: () => {
          if (stopped.current) return;
          if (!everConnected)
            startPolling(); // websockets never worked here: poll instead
          else setState((s) => ({ ...s, online: false }));
        },
      },
    });
    // graphql-ws sends this payload again on every reconnect: keeping the last event's cursor in it resumes the
    // subscription where it stopped (every run stored while disconnected arrives once, on any replica).
    const variables: { after?: string } = {};
    const unsubscribe = client.subscribe<{ runAdded: { id: string; arrivalCursor: string | null } }>(
      { query: LIVE_SUBSCRIPTION.source, operationName: LIVE_SUBSCRIPTION.name, variables },
      {
        next: (result) => {
          const cursor = result.data?.runAdded.arrivalCursor;
          if (cursor) variables.after = cursor;
          bump();
        },
        error: () => startPolling(),
        complete: () => undefined,
      },
    );
    return () => {
      stopped.current = true;
      unsubscribe();
      void client.dispose();
      if (pollTimer) clearInterval(pollTimer);
    };
  }, [pollOnly]);

  return <LiveContext.Provider value={state}>{children}</LiveContext.Provider>;
}
