import { useParams } from "react-router";
import { OtelTrace } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { otelVariables } from "../../api/viewQueries";
import { QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { Waterfall } from "./Waterfall";
import "./otel.css";

/** The OTel span tree of one trace with a Jaeger-style waterfall; rows are virtualised (10,000+ spans). */
export default function OtelTraceView() {
  const variables = otelVariables(useParams().traceId ?? "");
  const { traceId } = variables;
  useTitle(`otel ${traceId}`);
  const state = useQuery(OtelTrace, variables);
  return (
    <section className="otel-view" data-testid="view-otel">
      <QueryGate what={`trace ${traceId}`} state={state}>
        {(data) => <Waterfall traceId={data.otelTrace.traceId} spans={data.otelTrace.spans} />}
      </QueryGate>
    </section>
  );
}
