import { Callout, H2, H4 } from "@blueprintjs/core";
import { ReviewQuery } from "../../api/operations";
import { useQuery } from "../../api/useQuery";
import { Empty, QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { FlaggedOutputs } from "./FlaggedOutputs";
import { RankedComponents, RankedRuns } from "./Ranked";
import "./review.css";

const LIMIT = 50;

/** `review`: the flagged outputs and the runs (and components) most likely at fault, with how each score came. */
export function ReviewView() {
  useTitle("review");
  const state = useQuery(ReviewQuery, { limit: LIMIT }, { live: true });
  return (
    <section data-testid="view-review">
      <H2>Review</H2>
      <QueryGate what="review" state={state}>
        {({ review }) =>
          review.flagged.length === 0 ? (
            <Empty title="No flagged outputs">
              Flag an output you believe is wrong (<code>flag OUTPUT_ID</code>, or the switch next to an output in a
              run's inspector); review then ranks the runs its trace shares with other flagged outputs.
            </Empty>
          ) : (
            <>
              <H4>Flagged outputs ({review.flagged.length})</H4>
              <FlaggedOutputs flagged={review.flagged} onChange={state.refetch} />
              {review.unproduced.length > 0 && (
                <Callout intent="warning" compact>
                  No stored run produced{" "}
                  {review.unproduced.length === 1 ? "this flagged output" : "these flagged outputs"}:{" "}
                  <span className="mono">{review.unproduced.join(", ")}</span>
                </Callout>
              )}
              <p className="muted">
                Scores compare the traces of {review.totalFailed} flagged and {review.totalPassed} unflagged outputs of
                the same components (Ochiai: runs found in many flagged and few unflagged traces rank first).
              </p>
              <H4>Most suspicious runs</H4>
              <RankedRuns runs={review.runs} />
              <H4>By component</H4>
              <RankedComponents components={review.components} />
            </>
          )
        }
      </QueryGate>
    </section>
  );
}
