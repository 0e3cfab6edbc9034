import { H2 } from "@blueprintjs/core";
import { useCallback } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { request } from "../../api/client";
import { ComponentHistory } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { Empty, QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { dayBound } from "../../format";
import { DEFAULT_HISTORY_N } from "../../model/commands/parse";
import { paths } from "../../model/commands/routes";
import { ComponentFacts } from "./ComponentFacts";
import { HistoryFilter } from "./HistoryFilter";
import { PagedRuns } from "./PagedRuns";
import "./runs.css";

/** `history COMPONENT [N]`: its last N runs, optionally within a date range (?from=YYYY-MM-DD&to=YYYY-MM-DD). */
export function HistoryView() {
  const component = useParams().component ?? "";
  const [params] = useSearchParams();
  const n = Number(params.get("n")) || DEFAULT_HISTORY_N;
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  useTitle(`history ${component}`);
  const since = from ? dayBound(from, false) : null;
  const until = to ? dayBound(to, true) : null;
  const state = useQuery(ComponentHistory, { component, first: n, since, until }, { live: true });
  const fetchMore = useCallback(
    async (after: string) => (await request(ComponentHistory, { component, first: n, since, until, after })).history,
    [component, n, since, until],
  );

  return (
    <section data-testid="view-history">
      <H2>
        History of <span className="mono">{component}</span>
      </H2>
      <HistoryFilter component={component} n={n} from={from} to={to} />
      <QueryGate what={`history of ${component}`} state={state}>
        {(data) => (
          <>
            <ComponentFacts component={data.component} />
            {data.history.edges.length === 0 ? (
              <Empty title="No runs in this range">
                {from || to ? "Widen the date range." : `No stored run of ${component}.`}{" "}
                <Link to={paths.recent()}>Recent runs</Link>
              </Empty>
            ) : (
              <PagedRuns first={data.history} fetchMore={fetchMore} auto={false} />
            )}
          </>
        )}
      </QueryGate>
    </section>
  );
}
