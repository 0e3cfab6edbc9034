// Start a view's query while the app is still booting (before React mounts and the view's code chunk loads),
// so the server works in parallel with the page. useQuery takes the answer over on its first fetch.

import { type Doc, request } from "./client";

const pending = new Map<string, Promise<unknown>>();

const keyOf = (document: Doc<unknown, unknown>, variables: unknown) => `${document.name}:${JSON.stringify(variables)}`;

export function prefetch<TData, TVars>(document: Doc<TData, TVars>, variables: TVars): void {
  const key = keyOf(document, variables);
  if (pending.has(key)) return;
  const promise = request(document, variables);
  promise.catch(() => undefined); // the view reports the error when it takes the promise over
  pending.set(key, promise);
}

/** The prefetched answer for exactly this query, once; undefined when none was started. */
export function takePrefetched<TData, TVars>(
  document: Doc<TData, TVars>,
  variables: TVars,
): Promise<TData> | undefined {
  const key = keyOf(document, variables);
  const promise = pending.get(key) as Promise<TData> | undefined;
  pending.delete(key);
  return promise;
}
