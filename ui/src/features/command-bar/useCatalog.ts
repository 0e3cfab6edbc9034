import { useMemo, useState } from "react";
import { Catalog as CatalogQuery } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { type Catalog, EMPTY_CATALOG } from "../../model/commands/complete";

const CATALOG_RUNS = 500;

/** What the bar completes against. Fetched when the bar is first used, not with every page: it would compete
 *  with the view's own query for the server. `want()` starts it; live updates keep it fresh afterwards. */
export function useCatalog(): { catalog: Catalog; want: () => void } {
  const [wanted, setWanted] = useState(false);
  const query = useQuery(CatalogQuery, { first: CATALOG_RUNS }, { live: true, skip: !wanted });
  const catalog = useMemo(() => {
    const d = query.data;
    if (!d) return EMPTY_CATALOG;
    const runs = d.recentRuns.edges.map((e) => e.node);
    return {
      components: d.components.map((c) => c.name),
      tags: d.tags,
      // Outputs of the newest runs plus every flagged one (the API has no pointer search to ask instead).
      outputs: [
        ...new Set([...d.flaggedOutputs.map((p) => p.name), ...runs.flatMap((r) => r.outputs.map((o) => o.name))]),
      ],
      runs: runs.map((r) => r.id),
      tasks: d.taskNames,
    };
  }, [query.data]);
  return { catalog, want: () => setWanted(true) };
}
