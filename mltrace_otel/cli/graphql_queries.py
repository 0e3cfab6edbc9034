"""The GraphQL documents ``--server`` mode sends (schema: graphql_server/schema.graphql)."""

from __future__ import annotations

RUN_FIELDS = """
fragment RunFields on ComponentRun {
  id traceId componentName name
  status { code message }
  startTime endTime durationMs
  inputs { name kind flagged }
  outputs { name kind flagged }
  dependenciesVia { via kind run { id componentName name } }
  dependentsVia { via kind run { id componentName name } }
  stale { reason kind dependencyId newerRunId }
  newerFailedAttempts { runId component pointers endTime reason }
  gitHash gitTags notes serviceName testResults
}
"""

PAGE_FIELDS = "edges { node { ...RunFields } } pageInfo { hasNextPage endCursor }"

RECENT = (
    "query Recent($first: Int!, $after: String) { recentRuns(first: $first, after: $after) { "
    + PAGE_FIELDS
    + " } }"
    + RUN_FIELDS
)

HISTORY = (
    "query History($component: String!, $first: Int!, $after: String, $since: DateTime, $until: DateTime) {"
    " component(name: $component) { name }"
    " history(component: $component, first: $first, after: $after, since: $since, until: $until) { "
    + PAGE_FIELDS
    + " } }"
    + RUN_FIELDS
)

INSPECT = (
    "query Inspect($id: ID!) { run(id: $id) { ...RunFields codeSnapshot"
    " component { name owner description tags } } }" + RUN_FIELDS
)

LINEAGE = (
    "query Lineage($output: String!, $direction: LineageDirection!, $maxDepth: Int) {"
    " lineage(output: $output, direction: $direction, maxDepth: $maxDepth) {"
    " roots nodes { depth run { ...RunFields } } edges { from to via kind }"
    " mergedEdges { from to via kind } tree { runId depth parent via shared } } }" + RUN_FIELDS
)

COMPONENT_FIELDS = "name owner description tags"

COMPONENTS = (
    "query Components($tag: String, $owner: String) { components(tag: $tag, owner: $owner) { "
    + COMPONENT_FIELDS
    + " } }"
)

TAGS = "query Tags { tags }"

TAG = (
    "mutation Tag($name: String!, $tags: [String!]!) { tagComponent(name: $name, tags: $tags) { "
    + COMPONENT_FIELDS
    + " } }"
)

FLAG = "mutation Flag($name: String!) { flagOutput(name: $name) { name kind flagged } }"

UNFLAG = "mutation Unflag($name: String!) { unflagOutput(name: $name) { name kind flagged } }"

UNFLAG_ALL = "mutation UnflagAll { unflagAll }"

NOTES = (
    "mutation Notes($id: ID!, $notes: String!) { setRunNotes(id: $id, notes: $notes) { ...RunFields } }" + RUN_FIELDS
)

REVIEW = (
    "query Review($limit: Int, $rankBy: ReviewRanking!) { review(limit: $limit, rankBy: $rankBy) {"
    " ranking flagged { name kind flagged } unproduced totalFailed totalPassed passingCapped"
    " producers { output runId }"
    " runs { run { ...RunFields } failed passed coverage ochiai explanation }"
    " components { name failed passed runs coverage ochiai explanation } } }" + RUN_FIELDS
)
