import { Button, Callout, H4 } from "@blueprintjs/core";
import { Link } from "react-router";
import { SpanDetails } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { KeyValues } from "../../components/KeyValues";
import { QueryGate } from "../../components/States";
import { formatDuration, formatTime, formatValue } from "../../format";
import { paths } from "../../model/commands/routes";
import type { Span } from "./SpanRowView";

/** The selected span's details, fetched on selection: the waterfall's own query carries only what it draws. */
export function SpanPanel({ id, row, onClose }: { id: string; row: Span | undefined; onClose: () => void }) {
  const state = useQuery(SpanDetails, { id });
  return (
    <aside className="span-panel" data-testid="span-details">
      <div className="span-panel-head">
        <H4 className="mono">{row?.componentName ?? row?.name ?? id}</H4>
        <Button variant="minimal" icon="cross" aria-label="Close span details" onClick={onClose} />
      </div>
      {row && (
        <p className="muted small">
          {formatTime(row.startTime)} · {formatDuration(row.durationMs)}
        </p>
      )}
      {row?.componentName && (
        <p>
          <Link to={paths.run(id)}>Inspect this run</Link>
        </p>
      )}
      <QueryGate what="span details" state={state}>
        {(data) => (
          <>
            <p className="muted small">
              {data.run.kind.toLowerCase()} span{data.run.serviceName && ` of ${data.run.serviceName}`}
            </p>
            {data.run.status.code === "ERROR" && (
              <Callout intent="danger" compact>
                {data.run.status.message || "status ERROR"}
              </Callout>
            )}
            <H4>Attributes</H4>
            <KeyValues values={data.run.attributes} />
            <JsonItems title="Events" items={data.run.events} />
            <JsonItems title="Links" items={data.run.links} />
            <H4>Resource</H4>
            <KeyValues values={data.run.resource} />
          </>
        )}
      </QueryGate>
    </aside>
  );
}

/** A span's events or links, one compact JSON line each. */
function JsonItems({ title, items }: { title: string; items: unknown[] }) {
  return (
    <>
      <H4>
        {title} ({items.length})
      </H4>
      {items.length ? (
        <ul className="events">
          {items.map((item, i) => (
            <li key={i} className="mono small">
              {formatValue(item)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
    </>
  );
}
