// Data fetching for views: loading, error and data states, refetch, and a silent refresh whenever live
// updates report new runs (stale-while-revalidate: the old data stays on screen while the new loads).

import { useCallback, useContext, useEffect, useState } from "react";
import { ApiError, type Doc, request } from "./client";
import { LiveContext } from "./live";
import { takePrefetched } from "./prefetch";

export interface QueryState<TData> {
  data: TData | undefined;
  error: ApiError | undefined;
  loading: boolean;
  refetch: () => void;
  /** Replace the data in place (after a mutation returned the changed object). */
  setData: (update: (old: TData | undefined) => TData | undefined) => void;
}

export interface QueryOptions {
  skip?: boolean;
  /** Refetch when live updates report new runs. */
  live?: boolean;
}

export function useQuery<TData, TVars>(
  document: Doc<TData, TVars>,
  variables: TVars,
  options: QueryOptions = {},
): QueryState<TData> {
  const [data, setDataState] = useState<TData | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  const live = useContext(LiveContext);
  const liveVersion = options.live ? live.version : 0;
  const key = JSON.stringify(variables);
  // A different view: never show the previous one's data.
  const [dataKey, setDataKey] = useState(key);
  if (dataKey !== key) {
    setDataKey(key);
    setDataState(undefined);
  }
  // Loading from the render that asks for a fetch until that fetch settles.
  const fetchId = `${nonce}:${liveVersion}:${key}`;
  const [settled, setSettled] = useState<string | null>(null);
  const loading = !options.skip && settled !== fetchId;

  useEffect(() => {
    if (options.skip) return;
    const controller = new AbortController();
    const vars = JSON.parse(key) as TVars;
    (takePrefetched(document, vars) ?? request(document, vars, controller.signal))
      .then((result) => {
        setDataState(result);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError("server", String(e)));
      })
      .finally(() => {
        if (!controller.signal.aborted) setSettled(fetchId);
      });
    return () => controller.abort();
  }, [document, key, options.skip, fetchId]);

  const refetch = useCallback(() => setNonce((n) => n + 1), []);
  const setData = useCallback((update: (old: TData | undefined) => TData | undefined) => setDataState(update), []);
  return { data, error, loading, refetch, setData };
}

/** Run a mutation from an event handler; returns the data or throws ApiError. */
export function mutate<TData, TVars>(document: Doc<TData, TVars>, variables: TVars): Promise<TData> {
  return request(document, variables);
}
