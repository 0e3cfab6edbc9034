import { H2 } from "@blueprintjs/core";
import { useCallback } from "react";
import { useSearchParams } from "react-router";
import { request } from "../../api/client";
import { RecentRuns } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { PagedRuns } from "./PagedRuns";
import { DriftingTasks } from "../monitoring/DriftingTasks";
import { Empty, QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";

const PAGE = 50;

/** Newest runs first; `recent N` shows N runs, plain `recent` scrolls on forever. */
export function RecentView() {
  const [params] = useSearchParams();
  const n = Number(params.get("n")) || undefined;
  const first = n ?? PAGE;
  useTitle(n ? `recent ${n}` : "recent");
  const state = useQuery(RecentRuns, { first }, { live: true });
  const fetchMore = useCallback(
    async (after: string) => (await request(RecentRuns, { first, after })).recentRuns,
    [first],
  );
  return (
    <section data-testid="view-recent">
      <DriftingTasks />
      <H2>Recent runs</H2>
      <QueryGate what="recent runs" state={state}>
        {(data) =>
          data.recentRuns.edges.length === 0 ? (
            <Empty title="No runs yet">
              Runs appear here as pipelines instrumented with <code>mltrace_otel</code> run, or as spans arrive at{" "}
              <code>/v1/traces</code>.
            </Empty>
          ) : (
            <PagedRuns first={data.recentRuns} fetchMore={fetchMore} auto={!n} />
          )
        }
      </QueryGate>
    </section>
  );
}
