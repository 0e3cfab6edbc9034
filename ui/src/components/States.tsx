// Loading, empty and error states: every view shows one of these instead of a blank page.

import { Button, NonIdealState, Spinner } from "@blueprintjs/core";
import type { ReactNode } from "react";
import type { ApiError } from "../api/client";
import "./States.css";

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" data-testid="loading">
      <Spinner size={32} aria-label={`Loading ${what}`} />
      <span className="muted">Loading {what}…</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div data-testid="empty">
      <NonIdealState className="state" icon="search" title={title} description={children} />
    </div>
  );
}

function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  const title =
    error.kind === "notFound"
      ? "Not found"
      : error.kind === "unreachable"
        ? "The server is not answering"
        : error.kind === "badRequest"
          ? "That request cannot be answered"
          : "The server failed";
  const icon = error.kind === "notFound" ? "search" : error.kind === "unreachable" ? "offline" : "error";
  return (
    <div data-testid={error.kind === "notFound" ? "not-found" : "error"}>
      <NonIdealState
        className="state"
        icon={icon}
        title={title}
        description={<span className="error-message">{error.message}</span>}
        action={retry ? <Button icon="refresh" text="Try again" onClick={retry} /> : undefined}
      />
    </div>
  );
}

/** The usual triple: error, else loading (when there is nothing to show yet), else the content. */
export function QueryGate<T>({
  what,
  state,
  children,
}: {
  what: string;
  state: { data: T | undefined; error: ApiError | undefined; loading: boolean; refetch: () => void };
  children: (data: T) => ReactNode;
}) {
  if (state.error && (state.error.kind === "notFound" || state.data === undefined))
    // Asking again cannot change the answer to an unknown or malformed id: no "Try again" for those.
    return (
      <ErrorState
        error={state.error}
        retry={state.error.kind === "notFound" || state.error.kind === "badRequest" ? undefined : state.refetch}
      />
    );
  if (state.data === undefined) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}
