import { Card, H2, H4 } from "@blueprintjs/core";
import { useCallback } from "react";
import { Link, useParams } from "react-router";
import { request } from "../../api/client";
import { TagView as TagQuery } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { paths } from "../../model/commands/routes";
import { PagedRuns } from "./PagedRuns";
import { Empty, QueryGate } from "../../components/States";
import { ComponentFacts } from "./ComponentFacts";
import { useTitle } from "../../components/useTitle";
import "./runs.css";

const PAGE = 20;

/** `tag TAG`: the components carrying the tag, and their latest runs. */
export function TagView() {
  const tag = useParams().tag ?? "";
  useTitle(`tag ${tag}`);
  const state = useQuery(TagQuery, { tag, first: PAGE }, { live: true });
  const fetchMore = useCallback(
    async (after: string) => (await request(TagQuery, { tag, first: PAGE, after })).runs,
    [tag],
  );
  return (
    <section data-testid="view-tag">
      <H2>
        Tag <span className="mono">{tag}</span>
      </H2>
      <QueryGate what={`components tagged ${tag}`} state={state}>
        {(data) =>
          data.components.length === 0 ? (
            <Empty title={`No component has the tag '${tag}'`}>
              Tags come from <code>mltrace.tags</code> on runs, or <code>mltrace tag COMPONENT TAG</code> in a shell.
            </Empty>
          ) : (
            <>
              <div className="card-grid">
                {data.components.map((c) => (
                  <Card key={c.name} compact data-testid="tag-component">
                    <H4>
                      <Link to={paths.history(c.name)}>{c.name}</Link>
                    </H4>
                    <ComponentFacts component={c} />
                  </Card>
                ))}
              </div>
              <H4 className="section-title">Latest runs</H4>
              {data.runs.edges.length === 0 ? (
                <Empty title="No runs of these components yet" />
              ) : (
                <PagedRuns first={data.runs} fetchMore={fetchMore} />
              )}
            </>
          )
        }
      </QueryGate>
    </section>
  );
}
