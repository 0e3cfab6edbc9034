import { Icon, Tag } from "@blueprintjs/core";
import type { MouseEvent } from "react";
import { Link } from "react-router";
import type { RunDriftMark } from "../../api/operations";
import { formatTime } from "../../format";
import { monitoringPaths } from "./paths";

/** One line per drifted window, for a title attribute. */
export function driftTitle(drift: RunDriftMark[]): string[] {
  return drift.map(
    (d) =>
      `drifted: task ${d.task}, hour from ${formatTime(d.window.start)} (${d.window.method} ` +
      `${d.window.score?.toFixed(3) ?? "?"} > ${d.window.threshold}), ${d.outputs} of its outputs`,
  );
}

function tasksOf(drift: RunDriftMark[]): string[] {
  return [...new Set(drift.map((d) => d.task))];
}

/** The run inspector's badges: one per drifted task, each to the task's monitoring view. */
export function DriftTags({ drift }: { drift: RunDriftMark[] }) {
  return (
    <>
      {tasksOf(drift).map((task) => (
        <Link key={task} to={monitoringPaths.task(task)} data-testid="drift-badge" title={driftTitle(drift).join("\n")}>
          <Tag intent="danger" icon="pulse" interactive>
            drifted: {task}
          </Tag>
        </Link>
      ))}
    </>
  );
}

// A click on the mark opens the task, not the node's run (the graph handles clicks on the node).
const stop = (e: MouseEvent) => e.stopPropagation();

/** The lineage node's mark: an icon to the (first) drifted task's monitoring view. */
export function DriftMark({ drift }: { drift: RunDriftMark[] }) {
  const [task] = tasksOf(drift);
  return (
    <Link to={monitoringPaths.task(task)} onClick={stop} data-testid="drift-badge" className="drift-mark">
      <Icon icon="pulse" size={12} aria-label={`drifted: ${task}`} />
    </Link>
  );
}
