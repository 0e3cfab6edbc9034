import { Section, SectionCard } from "@blueprintjs/core";
import { Link } from "react-router";
import type { RunDetail } from "../../api/operations";
import { paths } from "../../model/commands/routes";

/** OTel span links: runs this one is linked to without a pointer between them. */
export function SpanLinks({ links }: { links: RunDetail["links"] }) {
  return (
    <Section title={`Span links (${links.length})`} compact collapsible>
      <SectionCard>
        {links.length ? (
          <ul className="links" data-testid="span-links">
            {links.map((link, i) => {
              const { spanId, traceId } = link;
              return (
                <li key={i}>
                  run{" "}
                  <Link to={paths.run(spanId)} className="mono">
                    {spanId}
                  </Link>{" "}
                  in trace{" "}
                  <Link to={paths.otel(traceId, spanId)} className="mono">
                    {traceId}
                  </Link>
                  {Object.keys(link.attributes).length > 0 && (
                    <span className="muted mono"> {JSON.stringify(link.attributes)}</span>
                  )}
                </li>
              );
            })}
          </ul>
        ) : (
          <p className="muted">None.</p>
        )}
      </SectionCard>
    </Section>
  );
}
