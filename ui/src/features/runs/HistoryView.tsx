import { Button, ControlGroup, FormGroup, H2, InputGroup, NumericInput } from "@blueprintjs/core";
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { request } from "../../api/client";
import { ComponentHistory } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { DEFAULT_HISTORY_N } from "../../model/commands/parse";
import { paths } from "../../model/commands/routes";
import { PagedRuns } from "./PagedRuns";
import { Empty, QueryGate } from "../../components/States";
import { dayBound } from "../../format";
import { ComponentFacts } from "./ComponentFacts";
import { useTitle } from "../../components/useTitle";
import "./runs.css";

/** `history COMPONENT [N]`: its last N runs, optionally within a date range (?from=YYYY-MM-DD&to=YYYY-MM-DD). */
export function HistoryView() {
  const component = useParams().component ?? "";
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const n = Number(params.get("n")) || DEFAULT_HISTORY_N;
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  useTitle(`history ${component}`);
  const variables = {
    component,
    first: n,
    since: from ? dayBound(from, false) : null,
    until: to ? dayBound(to, true) : null,
  };
  const state = useQuery(ComponentHistory, variables, { live: true });
  const fetchMore = useCallback(
    async (after: string) => (await request(ComponentHistory, { ...variables, after })).history,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [JSON.stringify(variables)],
  );

  const [draft, setDraft] = useState({ n, from, to });
  useEffect(() => setDraft({ n, from, to }), [n, from, to]);
  const apply = () => {
    const q = new URLSearchParams();
    if (draft.n !== DEFAULT_HISTORY_N) q.set("n", String(draft.n));
    if (draft.from) q.set("from", draft.from);
    if (draft.to) q.set("to", draft.to);
    const qs = q.toString();
    navigate(`${paths.history(component)}${qs ? `?${qs}` : ""}`);
  };

  return (
    <section data-testid="view-history">
      <H2>
        History of <span className="mono">{component}</span>
      </H2>
      <form
        className="history-controls"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <ControlGroup>
          <FormGroup label="Runs" inline>
            <NumericInput
              aria-label="Number of runs"
              min={1}
              max={1000}
              value={draft.n}
              onValueChange={(v) => setDraft((d) => ({ ...d, n: Number.isFinite(v) && v >= 1 ? Math.floor(v) : d.n }))}
              style={{ width: 70 }}
            />
          </FormGroup>
          <FormGroup label="From" inline>
            <InputGroup
              type="date"
              aria-label="From date"
              value={draft.from}
              onChange={(e) => setDraft((d) => ({ ...d, from: e.target.value }))}
            />
          </FormGroup>
          <FormGroup label="To" inline>
            <InputGroup
              type="date"
              aria-label="To date"
              value={draft.to}
              onChange={(e) => setDraft((d) => ({ ...d, to: e.target.value }))}
            />
          </FormGroup>
          <Button type="submit" intent="primary" text="Show" />
        </ControlGroup>
      </form>
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
