import "@xyflow/react/dist/style.css";
import { useParams, useSearchParams } from "react-router";
import { Lineage } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { lineageVariables } from "../../api/viewQueries";
import { LinkButton } from "../../components/LinkButton";
import { PageTitle } from "../../components/PageTitle";
import { Empty, QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { paths } from "../../model/commands/routes";
import { LineageControls } from "./LineageControls";
import { LineageGraph } from "./LineageGraph";
import "./lineage.css";

/** `lineage OUTPUT_ID` (or a run's lineage from the inspector): the whole DAG, laid out, pan and zoom. */
export default function LineageView() {
  const params = useParams();
  const [search, setSearch] = useSearchParams();
  const output = params["*"] || null;
  const runId = params.id ?? null;
  const variables = lineageVariables(output, runId, search);
  const subject = output ?? runId ?? "";
  useTitle(`lineage ${subject}`);
  const state = useQuery(Lineage, variables, { live: true });

  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(search);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setSearch(next);
  };

  return (
    <section className="lineage-view" data-testid="view-lineage">
      <PageTitle
        actions={
          <>
            {output && <LinkButton to={paths.trace(output)} icon="diagram-tree" text="Trace tree" />}
            {runId && <LinkButton to={paths.run(runId)} icon="document-open" text="Inspect run" />}
          </>
        }
      >
        Lineage of {output ? "output" : "run"} <span className="mono">{subject}</span>
      </PageTitle>
      <LineageControls direction={variables.direction} maxDepth={variables.maxDepth} setParam={setParam} />
      <QueryGate what="lineage" state={state}>
        {(data) =>
          data.lineage.graphView.nodes.length === 0 ? (
            <Empty title="No runs in this lineage" />
          ) : (
            <LineageGraph data={data.lineage.graphView} />
          )
        }
      </QueryGate>
    </section>
  );
}
