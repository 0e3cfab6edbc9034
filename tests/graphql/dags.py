"""Store builders for API tests: small pipelines and wide, deep DAGs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


@dataclass
class Pipeline:
    """ingest -> clean -> train -> infer, with ids by component."""

    runs: dict[str, SpanRecord] = field(default_factory=dict)

    def id(self, component: str) -> str:
        return self.runs[component].span_id


def small_pipeline(engine: Engine) -> Pipeline:
    runs = {
        "ingest": run_record("ingest", 0, 1, inputs=["s3://raw/events"], outputs=["raw.csv"]),
        "clean": run_record("clean", 2, 3, inputs=["raw.csv"], outputs=["clean.csv"]),
        "train": run_record(
            "train", 4, 5, inputs=["clean.csv"], outputs=["model.pkl"], attributes={"mltrace.tags": ["ml"]}
        ),
        "infer": run_record("infer", 6, 7, inputs=["model.pkl", "clean.csv"], outputs=["predictions.csv"]),
    }
    ingest_spans(engine, list(runs.values()))
    return Pipeline(runs)


def layered_dag(engine: Engine, *, width: int, depth: int, fan_in: int = 2) -> str:
    """``depth`` layers of ``width`` runs; each run reads ``fan_in`` outputs of the layer before; one sink on top.

    Returns the sink's output. Its trace is ``depth + 1`` levels deep and ``width`` wide at every level.
    """
    records: list[SpanRecord] = []
    previous: list[str] = []
    for layer in range(depth):
        outputs = [f"layer{layer}/part{i}" for i in range(width)]
        for i, out in enumerate(outputs):
            inputs = [previous[(i + k) % len(previous)] for k in range(min(fan_in, len(previous)))] if previous else []
            records.append(run_record(f"step{layer}", 10 * layer, 10 * layer + 1, inputs=inputs, outputs=[out]))
        previous = outputs
    sink = "sink/final"
    records.append(run_record("sink", 10 * depth, 10 * depth + 1, inputs=previous, outputs=[sink]))
    ingest_spans(engine, records)
    return sink
