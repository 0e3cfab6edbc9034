// Every GraphQL operation the UI sends, with hand-written result and variable types.
// operations.test.ts validates each document against the checked-in graphql_server/schema.graphql, so a field
// renamed or removed on the server fails the UI's tests instead of a user's page.

import { doc } from "./client";

type StatusCode = "UNSET" | "OK" | "ERROR";
export type Direction = "UPSTREAM" | "DOWNSTREAM";
type Json = unknown;

interface PointerRef {
  name: string;
  flagged: boolean;
}

export interface Pointer extends PointerRef {
  kind: string;
  flaggedAt: string | null;
  /** Who flagged it (the key's name in the audit log); absent where a query does not ask. */
  flaggedBy?: string | null;
}

export interface RunRow {
  id: string;
  traceId: string;
  componentName: string | null;
  name: string;
  startTime: string;
  durationMs: number;
  status: { code: StatusCode; message: string | null };
  stale: { reason: string }[];
  inputs: PointerRef[];
  outputs: PointerRef[];
}

const RUN_ROW = `
fragment RunRow on ComponentRun {
  id traceId componentName name startTime durationMs
  status { code message }
  stale { reason }
  inputs { name flagged }
  outputs { name flagged }
}`;

/** A drifted window of a task that outputs the run logged fall in (its drift badge). */
export interface RunDriftMark {
  task: string;
  outputs: number;
  window: { start: string; end: string; score: number | null; method: string; threshold: number };
}

/** What a lineage node or trace-tree row shows, as the server's LineageNode gives it: plain values, one object per
 *  run (no inputs: a merge may read hundreds). */
export interface GraphRun {
  id: string;
  componentName: string | null;
  name: string;
  startTime: string;
  durationMs: number;
  statusCode: StatusCode;
  statusMessage: string | null;
  staleReasons: string[];
  outputs: string[];
  flaggedOutputs: string[];
  /** Drifted windows its logged outputs fall in (the drift badge). */
  drift: RunDriftMark[];
}

const GRAPH_RUN = `id componentName name startTime durationMs statusCode statusMessage staleReasons outputs flaggedOutputs
    drift { task outputs window { start end score method threshold } }`;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface RunConnection {
  edges: { cursor: string; node: RunRow }[];
  pageInfo: PageInfo;
}

export interface ComponentInfo {
  name: string;
  owner: string | null;
  description: string | null;
  tags: string[];
}

export const RecentRuns = doc<{ recentRuns: RunConnection }, { first: number; after?: string | null }>(`
query RecentRuns($first: Int!, $after: String) {
  recentRuns(first: $first, after: $after) {
    edges { cursor node { ...RunRow } }
    pageInfo { hasNextPage endCursor }
  }
}${RUN_ROW}`);

export const ComponentHistory = doc<
  { component: ComponentInfo; history: RunConnection },
  { component: string; first: number; after?: string | null; since?: string | null; until?: string | null }
>(`
query ComponentHistory($component: String!, $first: Int!, $after: String, $since: DateTime, $until: DateTime) {
  component(name: $component) { name owner description tags }
  history(component: $component, first: $first, after: $after, since: $since, until: $until) {
    edges { cursor node { ...RunRow } }
    pageInfo { hasNextPage endCursor }
  }
}${RUN_ROW}`);

export const TagView = doc<
  { components: ComponentInfo[]; runs: RunConnection },
  { tag: string; first: number; after?: string | null }
>(`
query TagView($tag: String!, $first: Int!, $after: String) {
  components(tag: $tag) { name owner description tags }
  runs(filter: { tag: $tag }, first: $first, after: $after) {
    edges { cursor node { ...RunRow } }
    pageInfo { hasNextPage endCursor }
  }
}${RUN_ROW}`);

/** A run next to another, once, with every pointer between them (merged by the server). */
export interface NeighbourRun {
  via: string[];
  kind: string;
  run: RunRow;
}

export interface RunDetail extends RunRow {
  parentId: string | null;
  kind: string;
  isComponentRun: boolean;
  endTime: string;
  component: ComponentInfo | null;
  inputs: Pointer[];
  outputs: Pointer[];
  stale: { reason: string; dependencyId: string; newerRunId: string | null }[];
  drift: RunDriftMark[];
  gitHash: string | null;
  gitTags: string[];
  codeHash: string | null;
  codeSnapshot: string | null;
  notes: string | null;
  serviceName: string | null;
  attributes: Record<string, Json>;
  resource: Record<string, Json>;
  links: { traceId: string; spanId: string; attributes: Record<string, Json> }[];
  events: { name: string; timeUnixNano: string; attributes: Record<string, Json> }[];
  testResults: Record<string, Json>[];
  dependenciesVia: NeighbourRun[];
  dependentsVia: NeighbourRun[];
}

export const RunDetails = doc<{ run: RunDetail }, { id: string }>(`
query RunDetails($id: ID!) {
  run(id: $id) {
    ...RunRow
    parentId kind isComponentRun endTime
    component { name owner description tags }
    inputs { name kind flagged flaggedAt flaggedBy }
    outputs { name kind flagged flaggedAt flaggedBy }
    stale { reason dependencyId newerRunId }
    drift { task outputs window { start end score method threshold } }
    gitHash gitTags codeHash codeSnapshot notes serviceName
    attributes resource links events testResults
    dependenciesVia { via kind run { ...RunRow } }
    dependentsVia { via kind run { ...RunRow } }
  }
}${RUN_ROW}`);

interface LineageNodeData extends GraphRun {
  depth: number;
}

/** Every edge between two runs once, with all the pointers between them (none: a span link, so `kind` is not asked:
 *  500 edges' worth of fields less to resolve). */
interface MergedEdgeData {
  from: string;
  to: string;
  via: string[];
}

/** One row of the trace tree, depth first; `parent` is the index of the row it hangs under. */
export interface TreeRowData {
  runId: string;
  depth: number;
  parent: number | null;
  via: string[];
  shared: boolean;
}

export interface LineageData {
  roots: string[];
  nodes: LineageNodeData[];
  mergedEdges: MergedEdgeData[];
}

export interface TraceData {
  roots: string[];
  nodes: LineageNodeData[];
  tree: TreeRowData[];
}

/** The graph view's lineage as one JSON value (LineageGraph.graphView): the same values as `roots`,
 *  `nodes { depth ...GraphRun fields }` and `mergedEdges { from to via }`, built by the server in one pass instead of
 *  resolved field by field (a 500-run DAG answers several times faster). */
export const Lineage = doc<
  { lineage: { graphView: LineageData } },
  { output?: string | null; runId?: string | null; direction: Direction; maxDepth?: number | null }
>(`
query Lineage($output: String, $runId: ID, $direction: LineageDirection!, $maxDepth: Int) {
  lineage(output: $output, runId: $runId, direction: $direction, maxDepth: $maxDepth) {
    graphView
  }
}`);

export interface PointerDetail extends Pointer {
  createdAt: string | null;
  producers: RunRow[];
  consumers: RunRow[];
}

/** A failed run that meant to rewrite the producer's outputs: failed runs do not produce, they are shown. */
export interface FailedAttempt {
  runId: string;
  component: string;
  endTime: string;
  reason: string;
}

export const OutputTrace = doc<
  {
    ioPointer: PointerDetail;
    lineage: TraceData;
    trace: { id: string; newerFailedAttempts: FailedAttempt[] } | null;
  },
  { output: string }
>(`
query OutputTrace($output: String!) {
  ioPointer(name: $output) {
    name kind flagged flaggedAt createdAt
    producers(first: 10) { ...RunRow }
    consumers(first: 10) { ...RunRow }
  }
  lineage(output: $output, direction: UPSTREAM) {
    roots
    nodes { depth ${GRAPH_RUN} }
    tree { runId depth parent via shared }
  }
  trace(output: $output) { id newerFailedAttempts { runId component endTime reason } }
}${RUN_ROW}`);

export interface SpanRow {
  id: string;
  parentId: string | null;
  name: string;
  componentName: string | null;
  startTime: string;
  durationMs: number;
  status: { code: StatusCode };
}

/** Only what the waterfall draws: a trace of 10,000 spans must load fast; details come per span on click. */
export const OtelTrace = doc<{ otelTrace: { traceId: string; spans: SpanRow[] } }, { traceId: string }>(`
query OtelTrace($traceId: String!) {
  otelTrace(traceId: $traceId) {
    traceId
    spans { id parentId name componentName startTime durationMs status { code } }
  }
}`);

export interface SpanDetail {
  id: string;
  name: string;
  kind: string;
  serviceName: string | null;
  status: { code: StatusCode; message: string | null };
  attributes: Record<string, Json>;
  resource: Record<string, Json>;
  events: Json[];
  links: Json[];
}

export const SpanDetails = doc<{ run: SpanDetail }, { id: string }>(`
query SpanDetails($id: ID!) {
  run(id: $id) { id name kind serviceName status { code message } attributes resource events links }
}`);

export interface ReviewData {
  flagged: Pointer[];
  unproduced: string[];
  totalFailed: number;
  totalPassed: number;
  runs: { run: RunRow; failed: number; passed: number; coverage: number; ochiai: number; explanation: string }[];
  components: {
    name: string;
    failed: number;
    passed: number;
    runs: number;
    coverage: number;
    ochiai: number;
    explanation: string;
  }[];
}

export const ReviewQuery = doc<{ review: ReviewData }, { limit?: number | null }>(`
query Review($limit: Int) {
  review(limit: $limit) {
    flagged { name kind flagged flaggedAt flaggedBy }
    unproduced totalFailed totalPassed
    runs { run { ...RunRow } failed passed coverage ochiai explanation }
    components { name failed passed runs coverage ochiai explanation }
  }
}${RUN_ROW}`);

export const Catalog = doc<
  {
    components: { name: string }[];
    tags: string[];
    flaggedOutputs: { name: string }[];
    recentRuns: { edges: { node: { id: string; outputs: { name: string }[] } }[] };
    taskNames: string[];
  },
  { first: number }
>(`
query Catalog($first: Int!) {
  components { name }
  tags
  taskNames
  flaggedOutputs { name }
  recentRuns(first: $first) { edges { node { id outputs { name } } } }
}`);

export const LatestRun = doc<{ recentRuns: { edges: { node: { id: string } }[] } }>(`
query LatestRun {
  recentRuns(first: 1) { edges { node { id } } }
}`);

export const FlagOutput = doc<{ flagOutput: Pointer }, { name: string }>(`
mutation FlagOutput($name: String!) {
  flagOutput(name: $name) { name kind flagged flaggedAt flaggedBy }
}`);

export const UnflagOutput = doc<{ unflagOutput: Pointer }, { name: string }>(`
mutation UnflagOutput($name: String!) {
  unflagOutput(name: $name) { name kind flagged flaggedAt }
}`);

export const SetRunNotes = doc<{ setRunNotes: { id: string; notes: string | null } }, { id: string; notes: string }>(`
mutation SetRunNotes($id: ID!, $notes: String!) {
  setRunNotes(id: $id, notes: $notes) { id notes }
}`);

export const ALL_DOCUMENTS = [
  RecentRuns,
  ComponentHistory,
  TagView,
  RunDetails,
  Lineage,
  OutputTrace,
  OtelTrace,
  SpanDetails,
  ReviewQuery,
  Catalog,
  LatestRun,
  FlagOutput,
  UnflagOutput,
  SetRunNotes,
];
