import { Callout, H2, H4, HTMLSelect } from "@blueprintjs/core";
import { useState } from "react";
import { useParams, useSearchParams } from "react-router";
import { useQuery } from "../../api/useQuery";
import { QueryGate } from "../../components/States";
import { useTitle } from "../../components/useTitle";
import { formatTime } from "../../format";
import { DriftBars, MetricLine, StackedBars } from "./charts";
import { type DistributionData, TaskLatest, TaskQuery } from "./operations";
import { WindowOutputs } from "./WindowOutputs";
import "./monitoring.css";

const METRICS = [
  "accuracy",
  "precision",
  "recall",
  "f1",
  "f1_macro",
  "precision_macro",
  "recall_macro",
  "log_loss",
  "roc_auc",
  "mae",
  "rmse",
  "mape",
];
const STEPS: Record<string, number> = { "15 minutes": 900, "1 hour": 3600, "6 hours": 21600, "1 day": 86400 };
const WINDOWS = 24;
const MINUTE = 60_000;

function binLabels(d: DistributionData): string[] {
  if (!d.numeric) return d.categories;
  const e = d.edges.map((v) => v.toPrecision(3));
  return [...e.map((v, i) => (i === 0 ? `≤ ${v}` : `${e[i - 1]} – ${v}`)), `> ${e[e.length - 1] ?? "–∞"}`];
}

/** `task NAME`: the metric over time, the output distribution over time and drift, each window one click from its
 * outputs and runs. The windows end at the task's newest output. */
export function TaskView() {
  const name = decodeURIComponent(useParams().name ?? "");
  useTitle(`task ${name}`);
  const [params, setParams] = useSearchParams();
  const metric = params.get("metric") ?? "accuracy";
  const stepLabel = params.get("step") ?? "1 hour";
  const step = STEPS[stepLabel] ?? 3600;
  const latest = useQuery(TaskLatest, { name });
  const last = latest.data?.task.lastOutputAt;
  const until = new Date(Math.floor((last ? Date.parse(last) : 0) / MINUTE) * MINUTE + MINUTE);
  const since = new Date(until.getTime() - WINDOWS * step * 1000);
  const state = useQuery(
    TaskQuery,
    { name, metric, since: since.toISOString(), until: until.toISOString(), step },
    { skip: latest.data === undefined },
  );
  const [selected, setSelected] = useState<number | null>(null);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next);
    setSelected(null);
  };
  return (
    <section data-testid="view-task">
      <H2>{name}</H2>
      <QueryGate what="task" state={latest.error ? { ...state, error: latest.error, loading: false } : state}>
        {({ task }) => {
          const window = selected === null ? null : task.drift[selected];
          return (
            <>
              <p className="muted">
                {task.outputCount} outputs, {task.feedbackCount} feedback; last output {formatTime(task.lastOutputAt)}.
                {task.registeredMetrics.length > 0 &&
                  ` Registered: ${task.registeredMetrics.map((m) => m.name).join(", ")}.`}
              </p>
              <div className="task-controls">
                <label>
                  Metric{" "}
                  <HTMLSelect
                    value={metric}
                    onChange={(e) => set("metric", e.target.value)}
                    options={METRICS}
                    aria-label="Metric"
                  />
                </label>
                <label>
                  Window{" "}
                  <HTMLSelect
                    value={stepLabel}
                    onChange={(e) => set("step", e.target.value)}
                    options={Object.keys(STEPS)}
                    aria-label="Window"
                  />
                </label>
              </div>
              {task.latestDrift?.drifted && (
                <Callout intent="danger" compact data-testid="drift-callout">
                  The latest hour of outputs has drifted ({task.latestDrift.method} {task.latestDrift.score?.toFixed(3)}{" "}
                  &gt; {task.latestDrift.threshold}). Select a red window to see its outputs and the runs that made
                  them.
                </Callout>
              )}
              <H4>
                {metric} per window{" "}
                <span className="muted">(by when outputs were made; empty until feedback arrives)</span>
              </H4>
              <MetricLine values={task.metrics.map((m) => m.value)} selected={selected} onSelect={setSelected} />
              <H4>Output distribution per window</H4>
              <StackedBars
                rows={task.distribution.buckets.map((b) => b.counts)}
                labels={binLabels(task.distribution)}
                selected={selected}
                onSelect={setSelected}
              />
              <H4>Drift against the reference ({task.drift[0]?.method ?? "psi"})</H4>
              <DriftBars points={task.drift} selected={selected} onSelect={setSelected} />
              {window && (
                <>
                  <H4>
                    Window {formatTime(window.start)}{" "}
                    {window.drifted && <span className="drifted-text">(drifted)</span>}
                  </H4>
                  <WindowOutputs task={name} since={window.start} until={window.end} drifted={window.drifted} />
                </>
              )}
            </>
          );
        }}
      </QueryGate>
    </section>
  );
}
