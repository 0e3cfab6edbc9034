import { Tag } from "@blueprintjs/core";
import { useParams } from "react-router";
import { OutputTrace } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { LinkButton } from "../../components/LinkButton";
import { PageTitle } from "../../components/PageTitle";
import { QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { paths } from "../../model/commands/routes";
import { FlagToggle } from "../pointers/FlagToggle";
import { NewerFailedAttempts } from "./NewerFailedAttempts";
import { TraceTree } from "./TraceTree";

/** `trace OUTPUT_ID`: the run that produced the output, then its dependencies, recursively (mltrace's tree). */
export function TraceView() {
  const output = useParams()["*"] ?? "";
  useTitle(`trace ${output}`);
  const state = useQuery(OutputTrace, { output }, { live: true });
  return (
    <section data-testid="view-trace">
      <QueryGate what={`trace of ${output}`} state={state}>
        {(data) => (
          <>
            <PageTitle
              tags={
                <>
                  {data.ioPointer.kind !== "unknown" && <Tag minimal>{data.ioPointer.kind}</Tag>}
                  {data.ioPointer.flagged && (
                    <Tag intent="danger" icon="flag" data-testid="pointer-flagged">
                      flagged
                    </Tag>
                  )}
                </>
              }
              actions={
                <>
                  <FlagToggle
                    key={`${data.ioPointer.name}:${data.ioPointer.flagged}`}
                    pointer={data.ioPointer}
                    onChange={() => state.refetch()}
                  />
                  <LinkButton to={paths.lineageOfOutput(output)} icon="graph" text="Lineage graph" />
                </>
              }
            >
              Trace of <span className="mono">{data.ioPointer.name}</span>
            </PageTitle>
            <p className="muted">
              {data.lineage.nodes.length} run{data.lineage.nodes.length === 1 ? "" : "s"} upstream.{" "}
              {data.ioPointer.producers.length > 1 &&
                `${data.ioPointer.producers.length} runs wrote it; the trace starts at the latest that succeeded.`}
            </p>
            <NewerFailedAttempts attempts={data.trace?.newerFailedAttempts ?? []} />
            <TraceTree data={data.lineage} />
          </>
        )}
      </QueryGate>
    </section>
  );
}
