"""Synthetic pipelines as SpanRecords, for benchmarks (and any test that needs a realistic store).

- :func:`industry_runs`: mltrace's industry ML shape repeated over time. Every cycle (an hour apart) runs
  ingest -> clean -> featuregen -> training -> inference x6, in one OTel trace under a plain ``pipeline`` root span.
  Training reads the features of the last three cycles and the previous model (it fine-tunes), so lineage reaches
  back in time as it does in real pipelines; inference reads the newest model and this cycle's features.
- :func:`fan_in_dag`: the 499-run fan-in DAG: a ``partition`` run writes a shard manifest, 124 shards of
  ingest -> validate -> clean -> featuregen read it, one ``training`` reads all 124 shard features, one
  ``inference`` reads the model. 1 + 124 * 4 + 2 = 499 runs, depth 6 from the inference to the partition.

Deterministic for a given seed; span and trace ids are random 64/128-bit values, so datasets made with different
seeds can share one store.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from mltrace_otel import semconv
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans

HOUR_NS = 3_600 * 10**9
SECOND_NS = 10**9
# 2024-01-01T00:00:00Z: fixed, so runs sort the same on every machine.
EPOCH_NS = 1_704_067_200 * 10**9

_CODE = {
    "ingest": "def ingest(day):\n    return read_events(day).to_parquet(raw_path(day))\n",
    "clean": "def clean(raw):\n    return raw.dropna().drop_duplicates()\n",
    "featuregen": "def featuregen(clean):\n    return clean.groupby('user').agg(['mean', 'count'])\n",
    "training": "def training(features, previous):\n    return fit(GradientBoosting(warm_start=previous), features)\n",
    "inference": "def inference(model, features):\n    return model.predict(features)\n",
    "partition": "def partition(manifest):\n    return split(manifest, shards=124)\n",
    "validate": "def validate(shard):\n    assert shard.schema == SCHEMA\n    return shard\n",
}
_OWNERS = {"ingest": "data-eng", "clean": "data-eng", "validate": "data-eng", "partition": "data-eng"}
_TAGS = {
    "ingest": ["etl"],
    "clean": ["etl"],
    "validate": ["etl", "quality"],
    "partition": ["etl"],
    "featuregen": ["features"],
    "training": ["model"],
    "inference": ["serving"],
}


@dataclass
class Dataset:
    records: list[SpanRecord]
    final_outputs: list[str] = field(default_factory=list)  # outputs worth tracing (newest last)
    run_count: int = 0  # component runs (plain spans excluded)


class _Ids:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def span(self) -> str:
        return f"{self.rng.getrandbits(64) | 1:016x}"

    def trace(self) -> str:
        return f"{self.rng.getrandbits(128) | 1:032x}"


def _run(
    ids: _Ids,
    component: str,
    trace_id: str,
    parent: str | None,
    start_ns: int,
    duration_ns: int,
    inputs: Sequence[str],
    outputs: Sequence[str],
    *,
    service: str,
    git_hash: str,
    extra: dict[str, Any] | None = None,
    failed: bool = False,
) -> SpanRecord:
    attributes: dict[str, Any] = {
        semconv.COMPONENT: component,
        semconv.INPUTS: list(inputs),
        semconv.OUTPUTS: list(outputs),
        semconv.TAGS: _TAGS.get(component, []),
        semconv.OWNER: _OWNERS.get(component, "ml-team"),
        semconv.DESCRIPTION: f"{component} step of the nightly pipeline",
        semconv.GIT_HASH: git_hash,
        semconv.CODE_SNAPSHOT: _CODE[component],
        semconv.CODE_FUNCTION: component,
        semconv.CODE_FILE: f"pipeline/{component}.py",
        **(extra or {}),
    }
    return SpanRecord(
        trace_id=trace_id,
        span_id=ids.span(),
        parent_span_id=parent,
        name=component,
        kind="INTERNAL",
        start_ns=start_ns,
        end_ns=start_ns + duration_ns,
        status_code="ERROR" if failed else "OK",
        status_message="ValueError: empty partition" if failed else None,
        attributes=attributes,
        resource={"service.name": service, "host.name": "worker-1", "telemetry.sdk.language": "python"},
        scope={"name": "mltrace_otel", "version": "0.1.0"},
    )


def iter_industry_cycles(
    n_runs: int, *, seed: int = 1, start_ns: int = EPOCH_NS, inference_per_cycle: int = 6
) -> Iterator[tuple[list[SpanRecord], list[str]]]:
    """About ``n_runs`` component runs (whole cycles of 4 + ``inference_per_cycle`` runs), an hour apart, one
    cycle at a time: (its spans, its prediction outputs). Streams: nothing of earlier cycles is kept but the
    last few names (bounded memory at any ``n_runs``)."""
    ids = _Ids(seed)
    per_cycle = 4 + inference_per_cycle
    cycles = max(1, -(-n_runs // per_cycle))
    features_window: list[str] = []
    model: str | None = None
    git = ""
    rng = random.Random(seed + 1)
    for cycle in range(cycles):
        t = start_ns + cycle * HOUR_NS
        day = f"{cycle:05d}"
        trace_id = ids.trace()
        root = ids.span()
        git = f"{rng.getrandbits(160):040x}" if cycle % 50 == 0 or cycle == 0 else git
        common = {"service": "nightly-pipeline", "git_hash": git}
        raw, clean, features = f"s3://lake/raw/{day}.parquet", f"data/clean/{day}.parquet", f"features/{day}.parquet"
        steps = [
            _run(
                ids,
                "ingest",
                trace_id,
                root,
                t + 1 * SECOND_NS,
                40 * SECOND_NS,
                [f"kafka://events/{day}"],
                [raw],
                **common,
            ),
            _run(ids, "clean", trace_id, root, t + 45 * SECOND_NS, 90 * SECOND_NS, [raw], [clean], **common),
            _run(
                ids, "featuregen", trace_id, root, t + 140 * SECOND_NS, 120 * SECOND_NS, [clean], [features], **common
            ),
        ]
        features_window = [*features_window[-2:], features]
        new_model = f"models/model-{cycle:05d}.joblib"
        steps.append(
            _run(
                ids,
                "training",
                trace_id,
                root,
                t + 270 * SECOND_NS,
                600 * SECOND_NS,
                [*features_window, *([model] if model else [])],
                [new_model],
                extra={"ml.metric.auc": round(0.8 + rng.random() / 10, 4), "ml.hyper.lr": 0.05},
                **common,
            )
        )
        model = new_model
        finals: list[str] = []
        for k in range(inference_per_cycle):
            predictions = f"predictions/{day}-{k}.csv"
            steps.append(
                _run(
                    ids,
                    "inference",
                    trace_id,
                    root,
                    t + (900 + 60 * k) * SECOND_NS,
                    20 * SECOND_NS,
                    [model, features],
                    [predictions],
                    extra={"ml.batch": k},
                    failed=rng.random() < 0.01,
                    **common,
                )
            )
            finals.append(predictions)
        end = max(s.end_ns for s in steps)
        root_span = SpanRecord(
            trace_id=trace_id,
            span_id=root,
            parent_span_id=None,
            name="pipeline",
            kind="INTERNAL",
            start_ns=t,
            end_ns=end + SECOND_NS,
            status_code="OK",
            attributes={"pipeline.cycle": cycle},
            resource={"service.name": "nightly-pipeline"},
        )
        yield [root_span, *steps], finals


def industry_runs(n_runs: int, *, seed: int = 1, start_ns: int = EPOCH_NS, inference_per_cycle: int = 6) -> Dataset:
    """About ``n_runs`` component runs (whole cycles of 4 + ``inference_per_cycle`` runs), an hour apart."""
    records: list[SpanRecord] = []
    finals: list[str] = []
    for spans, predictions in iter_industry_cycles(
        n_runs, seed=seed, start_ns=start_ns, inference_per_cycle=inference_per_cycle
    ):
        records.extend(spans)
        finals.extend(predictions)
    per_cycle = 4 + inference_per_cycle
    return Dataset(records=records, final_outputs=finals, run_count=len(finals) // inference_per_cycle * per_cycle)


def fan_in_dag(*, shards: int = 124, seed: int = 2, start_ns: int = EPOCH_NS - 24 * HOUR_NS) -> Dataset:
    """The fan-in DAG: partition, ``shards`` x (ingest -> validate -> clean -> featuregen), training, inference."""
    ids = _Ids(seed)
    trace_id = ids.trace()
    common = {"service": "fan-in-pipeline", "git_hash": "f" * 40}
    manifest = "s3://lake/manifests/shards.json"
    partition = _run(
        ids, "partition", trace_id, None, start_ns, 5 * SECOND_NS, ["s3://lake/incoming/"], [manifest], **common
    )
    records = [partition]
    parent = partition.span_id
    features: list[str] = []
    for shard in range(shards):
        # Shards run in parallel, a little staggered, as a worker pool would run them.
        t = start_ns + 10 * SECOND_NS + (shard % 16) * SECOND_NS
        raw, valid, clean, feats = (f"{d}/shard-{shard:03d}.parquet" for d in ("raw", "valid", "clean", "features"))
        records += [
            _run(ids, "ingest", trace_id, parent, t, 30 * SECOND_NS, [manifest], [raw], **common),
            _run(ids, "validate", trace_id, parent, t + 31 * SECOND_NS, 10 * SECOND_NS, [raw], [valid], **common),
            _run(ids, "clean", trace_id, parent, t + 42 * SECOND_NS, 30 * SECOND_NS, [valid], [clean], **common),
            _run(ids, "featuregen", trace_id, parent, t + 73 * SECOND_NS, 40 * SECOND_NS, [clean], [feats], **common),
        ]
        features.append(feats)
    t = start_ns + 200 * SECOND_NS
    model = "models/fan-in.joblib"
    records.append(_run(ids, "training", trace_id, parent, t, 300 * SECOND_NS, features, [model], **common))
    predictions = "predictions/fan-in.csv"
    records.append(
        _run(ids, "inference", trace_id, parent, t + 310 * SECOND_NS, 20 * SECOND_NS, [model], [predictions], **common)
    )
    return Dataset(records=records, final_outputs=[predictions], run_count=len(records))


def batches(records: Sequence[SpanRecord], size: int) -> Iterator[Sequence[SpanRecord]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def load(engine: Engine, datasets: Iterable[Dataset], batch_size: int = 2_000) -> int:
    """Ingest datasets into ``engine`` through the real ingest path, in batches; returns spans stored."""
    stored = 0
    for dataset in datasets:
        for batch in batches(dataset.records, batch_size):
            stored += ingest_spans(engine, batch).stored
    return stored
