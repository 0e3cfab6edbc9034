"""A drifted window of a task that a run's outputs fall in: what marks the run in the inspector and the graph."""

from __future__ import annotations

import strawberry

from graphql_server.types.Task import DriftPoint
from mltrace_otel.monitoring.run_drift import RunDrift as RunDriftRecord


@strawberry.type(description="A drifted window (an hour, aligned to the clock) holding outputs this run logged.")
class RunDrift:
    task: str = strawberry.field(description="The task whose outputs drifted (its monitoring view: task NAME).")
    window: DriftPoint
    outputs: int = strawberry.field(description="How many of the window's outputs this run logged.")

    @classmethod
    def from_record(cls, record: RunDriftRecord) -> RunDrift:
        return cls(task=record.task, window=DriftPoint.of(record.window), outputs=record.outputs)
