// Infinite scroll over a runs connection: the first page is a live query (new runs appear on top), later
// pages are appended as a sentinel below the table scrolls into view (or on a click), following endCursor.

import { Button, Spinner } from "@blueprintjs/core";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import type { RunConnection, RunRow } from "../../api/operations";
import { mergeRuns } from "../../model/runs/mergeRuns";
import { RunTable } from "./RunTable";
import "./runs.css";

export function PagedRuns({
  first,
  fetchMore,
  auto = true,
}: {
  first: RunConnection;
  fetchMore: (after: string) => Promise<RunConnection>;
  /** Load the next page when the end of the table scrolls into view; false: only on a click (history N). */
  auto?: boolean;
}) {
  const [more, setMore] = useState<RunRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState<boolean | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sentinel = useRef<HTMLDivElement>(null);

  const endCursor = cursor ?? first.pageInfo.endCursor;
  const hasNext = hasMore ?? first.pageInfo.hasNextPage;
  const runs = useMemo(
    () =>
      mergeRuns(
        first.edges.map((e) => e.node),
        more,
      ),
    [first, more],
  );

  const loadMore = useCallback(async () => {
    if (loading || !hasNext || !endCursor) return;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchMore(endCursor);
      setMore((m) => [...m, ...page.edges.map((e) => e.node)]);
      setCursor(page.pageInfo.endCursor);
      setHasMore(page.pageInfo.hasNextPage);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }, [loading, hasNext, endCursor, fetchMore]);

  useEffect(() => {
    if (!auto || !sentinel.current) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [auto, loadMore]);

  return (
    <>
      <RunTable runs={runs} />
      <div ref={sentinel} className="paging" data-testid="paging">
        {loading && <Spinner size={20} aria-label="Loading more runs" />}
        {error && (
          <span className="error-message">
            {error} <Button size="small" text="Retry" onClick={() => void loadMore()} />
          </span>
        )}
        {!loading && !error && hasNext && <Button variant="minimal" text="Load more" onClick={() => void loadMore()} />}
        {!hasNext && runs.length > 0 && <span className="muted">All {runs.length} runs shown.</span>}
      </div>
    </>
  );
}
