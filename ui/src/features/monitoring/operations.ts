// The monitoring views' GraphQL documents (validated against schema.graphql by operations.test.ts).
import { doc } from "../../api/client";

interface DriftPointData {
  start: string;
  end: string;
  score: number | null;
  method: string;
  threshold: number;
  drifted: boolean;
  count: number;
}

export interface TaskRow {
  name: string;
  outputCount: number;
  feedbackCount: number;
  lastOutputAt: string | null;
  latestDrift: DriftPointData | null;
}

interface MetricPoint {
  start: string;
  end: string;
  value: number | null;
  pairs: number;
}

export interface DistributionData {
  numeric: boolean;
  edges: number[];
  categories: string[];
  buckets: { start: string; counts: number[] }[];
}

export interface TaskDetail extends TaskRow {
  registeredMetrics: { name: string; windowSeconds: number | null }[];
  metrics: MetricPoint[];
  distribution: DistributionData;
  drift: DriftPointData[];
}

export interface TaskOutput {
  outputId: string;
  value: number | null;
  label: string | null;
  at: string;
  runId: string | null;
}

const DRIFT_FIELDS = "start end score method threshold drifted count";

export const TasksQuery = doc<{ tasks: TaskRow[] }>(`
query Tasks {
  tasks { name outputCount feedbackCount lastOutputAt latestDrift { ${DRIFT_FIELDS} } }
}`);

export const TaskLatest = doc<{ task: { lastOutputAt: string | null } }, { name: string }>(`
query TaskLatest($name: String!) {
  task(name: $name) { lastOutputAt }
}`);

export const TaskQuery = doc<
  { task: TaskDetail },
  { name: string; metric: string; since: string; until: string; step: number }
>(`
query Task($name: String!, $metric: String!, $since: DateTime!, $until: DateTime!, $step: Float!) {
  task(name: $name) {
    name outputCount feedbackCount lastOutputAt latestDrift { ${DRIFT_FIELDS} }
    registeredMetrics { name windowSeconds }
    metrics(name: $metric, since: $since, until: $until, stepSeconds: $step) { start end value pairs }
    distribution(since: $since, until: $until, stepSeconds: $step) { numeric edges categories buckets { start counts } }
    drift(since: $since, until: $until, windowSeconds: $step) { ${DRIFT_FIELDS} }
  }
}`);

export const TaskWindowOutputs = doc<
  { task: { outputs: TaskOutput[] } },
  { name: string; since: string; until: string }
>(`
query TaskWindowOutputs($name: String!, $since: DateTime!, $until: DateTime!) {
  task(name: $name) { outputs(last: 1000, since: $since, until: $until) { outputId value label at runId } }
}`);

export const FlagTaskWindow = doc<{ flagTaskWindow: number }, { task: string; since: string; until: string }>(`
mutation FlagTaskWindow($task: String!, $since: DateTime!, $until: DateTime!) {
  flagTaskWindow(task: $task, since: $since, until: $until)
}`);

export const MONITORING_DOCUMENTS = [TasksQuery, TaskLatest, TaskQuery, TaskWindowOutputs, FlagTaskWindow];
