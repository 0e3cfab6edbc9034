"""Span attribute names the store interprets (docs/design.md §1). Everything else is stored as it came."""

from __future__ import annotations

COMPONENT = "mltrace.component"
INPUTS = "mltrace.inputs"
OUTPUTS = "mltrace.outputs"
TAGS = "mltrace.tags"
DESCRIPTION = "mltrace.component.description"
OWNER = "mltrace.component.owner"
GIT_HASH = "mltrace.code.git_hash"
GIT_TAGS = "mltrace.code.git_tags"
CODE_SNAPSHOT = "mltrace.code.snapshot"
NOTES = "mltrace.notes"
# Seconds a dependency may have started before this run before the run counts as stale (mltrace 0.17's
# staleness_threshold, recorded per run); absent: MLTRACE_STALENESS_DAYS applies.
STALENESS_THRESHOLD = "mltrace.staleness_threshold"
# false: lineage does not follow this run's inputs to their producers (mltrace's set_dependencies_from_inputs=False);
# its dependencies are its span links only.
DEPENDENCIES_FROM_INPUTS = "mltrace.dependencies_from_inputs"
# Explicit IO pointer kinds, one "name=kind" string per pointer; overrides the kind inferred from the name.
IO_KINDS = "mltrace.io.kinds"

# The instrumentation scope (tracer name) of the spans our own API creates.
SCOPE = "mltrace_otel"

CODE_FUNCTION = "code.function.name"
CODE_FILE = "code.file.path"

# Span event carrying one before/after test result of a Component run.
TEST_EVENT = "mltrace.test"
