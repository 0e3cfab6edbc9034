"""Span records of realistic pipelines for the browser tests and the UI benchmark.

Built as :class:`SpanRecord` s and stored with ``ingest_spans`` (the path every span takes), so the UI sees exactly
what an instrumented pipeline or an OTLP sender would have stored:

- ``industry_pipeline``: ingest -> clean -> featurize -> train -> evaluate -> serve, with owners, tags, code
  snapshots, git commits, before/after test results, plain child spans, a span link, a failed training attempt,
  a re-run of ``clean`` that makes the downstream runs stale and a failed attempt to serve predictions again.
- ``fan_in_pipeline``: shards that each run extract -> clean -> validate -> featurize, merged into one training
  run and an evaluation (124 shards: 499 runs).
- ``wide_trace``: one OTel trace of N spans (a root, children, grandchildren) for the waterfall.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mltrace_otel.span_record import SpanEventRecord, SpanLinkRecord, SpanRecord

SECOND = 1_000_000_000
TRAIN_TRACEBACK = """Traceback (most recent call last):
  File "pipelines/train.py", line 41, in train
    model.fit(features)
  File "sklearn/base.py", line 1151, in wrapper
    return fit_method(estimator, *args, **kwargs)
ValueError: Input contains NaN in column 'amount_7d'
"""
TRAIN_CODE = '''@register("train", input_vars=["features_path"], output_vars=["model_path"])
def train(features_path: str, model_path: str = "models/model.pkl") -> float:
    """Fit a gradient-boosted model on the features and save it."""
    frame = pd.read_parquet(features_path)
    model = GradientBoostingClassifier(n_estimators=200, max_depth=4)
    model.fit(frame.drop(columns=["label"]), frame["label"])
    joblib.dump(model, model_path)
    return model.score(frame.drop(columns=["label"]), frame["label"])  # training accuracy
'''


def _id(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:length]


@dataclass
class PipelineBuilder:
    """Builds runs of one OTel trace; times in seconds after ``base_ns``."""

    name: str
    base_ns: int
    service: str = "industry-ml"
    records: list[SpanRecord] = field(default_factory=list)
    _trace_seq: int = 0

    def trace_id(self, key: object) -> str:
        return _id(self.name, "trace", key, length=32)

    def run(
        self,
        component: str,
        start: float,
        end: float,
        *,
        trace: object = 0,
        inputs: Sequence[str] = (),
        outputs: Sequence[str] = (),
        key: object = 0,
        parent: str | None = None,
        status: str = "OK",
        message: str | None = None,
        attributes: dict[str, Any] | None = None,
        events: Sequence[SpanEventRecord] = (),
        links: Sequence[tuple[str, str]] = (),
    ) -> str:
        span_id = _id(self.name, component, key)
        attrs: dict[str, Any] = {"mltrace.component": component, "code.function.name": component}
        if inputs:
            attrs["mltrace.inputs"] = list(inputs)
        if outputs:
            attrs["mltrace.outputs"] = list(outputs)
        attrs.update(attributes or {})
        self.records.append(
            SpanRecord(
                trace_id=self.trace_id(trace),
                span_id=span_id,
                parent_span_id=parent,
                name=component,
                kind="INTERNAL",
                start_ns=self.base_ns + int(start * SECOND),
                end_ns=self.base_ns + int(end * SECOND),
                status_code=status,
                status_message=message,
                attributes=attrs,
                events=tuple(events),
                links=tuple(SpanLinkRecord(trace_id=t, span_id=s) for t, s in links),
                resource={"service.name": self.service, "host.name": "worker-1", "telemetry.sdk.language": "python"},
                scope={"name": "mltrace_otel"},
            )
        )
        return span_id

    def span(self, name: str, start: float, end: float, *, trace: object, parent: str, key: object) -> str:
        """A plain (non-component) span: part of the OTel trace, not a lineage node."""
        span_id = _id(self.name, "span", name, key)
        self.records.append(
            SpanRecord(
                trace_id=self.trace_id(trace),
                span_id=span_id,
                parent_span_id=parent,
                name=name,
                kind="INTERNAL",
                start_ns=self.base_ns + int(start * SECOND),
                end_ns=self.base_ns + int(end * SECOND),
                status_code="UNSET",
                attributes={"step": name},
                resource={"service.name": self.service},
            )
        )
        return span_id


def result_event(base_ns: int, at: float, test: str, phase: str, passed: bool, message: str = "") -> SpanEventRecord:
    return SpanEventRecord(
        name="mltrace.test",
        time_ns=base_ns + int(at * SECOND),
        attributes={"test": test, "phase": phase, "passed": passed, "message": message},
    )


@dataclass(frozen=True)
class IndustryIds:
    ingest: str
    clean: str
    featurize: str
    train: str
    train_failed: str
    evaluate: str
    serve: list[str]
    serve_failed: str
    clean_rerun: str
    predictions: list[str]
    trace_id: str


def industry_pipeline(base_ns: int) -> tuple[list[SpanRecord], IndustryIds]:
    b = PipelineBuilder("industry", base_ns)
    meta = {
        "ingest": {"owner": "data-eng", "tags": ["etl", "nightly"], "desc": "Pull raw transactions from the ledger"},
        "clean": {"owner": "data-eng", "tags": ["etl"], "desc": "Drop duplicates and fix currencies"},
        "featurize": {"owner": "ml-team", "tags": ["features"], "desc": "Aggregate per-customer features"},
        "train": {"owner": "ml-team", "tags": ["training", "nightly"], "desc": "Gradient-boosted fraud model"},
        "evaluate": {"owner": "ml-team", "tags": ["training"], "desc": "Hold-out metrics"},
        "serve_predictions": {"owner": "platform", "tags": ["serving"], "desc": "Batch scoring of new transactions"},
    }

    def attrs(component: str, **extra: Any) -> dict[str, Any]:
        m = meta[component]
        return {
            "mltrace.component.owner": m["owner"],
            "mltrace.tags": m["tags"],
            "mltrace.component.description": m["desc"],
            "mltrace.code.git_hash": "9f3c2a1b7d4e5f60718293a4b5c6d7e8f9012345",
            **extra,
        }

    ingest = b.run("ingest", 0, 40, outputs=["raw/transactions.csv"], key=1, attributes=attrs("ingest"))
    clean = b.run(
        "clean", 45, 70, inputs=["raw/transactions.csv"], outputs=["data/clean.csv"], key=1, attributes=attrs("clean")
    )
    featurize = b.run(
        "featurize",
        75,
        110,
        inputs=["data/clean.csv"],
        outputs=["data/features.parquet"],
        key=1,
        attributes=attrs("featurize"),
    )
    train_failed = b.run(
        "train",
        115,
        130,
        inputs=["data/features.parquet"],
        key="failed",
        status="ERROR",
        message="ValueError: Input contains NaN in column 'amount_7d'",
        attributes=attrs("train"),
        events=[
            SpanEventRecord(
                name="exception",
                time_ns=base_ns + 130 * SECOND,
                attributes={
                    "exception.type": "ValueError",
                    "exception.message": "Input contains NaN in column 'amount_7d'",
                    "exception.stacktrace": TRAIN_TRACEBACK,
                },
            )
        ],
    )
    train = b.run(
        "train",
        140,
        260,
        inputs=["data/features.parquet"],
        outputs=["models/model.pkl"],
        key=1,
        attributes=attrs(
            "train",
            **{"mltrace.code.snapshot": TRAIN_CODE, "mltrace.code.git_tags": ["v1.4.0"], "model.accuracy": 0.947},
        ),
        events=[
            result_event(base_ns, 141, "features_not_empty", "before", True),
            result_event(base_ns, 259, "accuracy_above_0_9", "after", True),
            result_event(base_ns, 259.5, "no_leakage", "after", False, "feature 'label_mean' correlates 0.99"),
        ],
    )
    load = b.span("load_features", 141, 150, trace=0, parent=train, key=1)
    fit = b.span("fit", 150, 250, trace=0, parent=train, key=1)
    for epoch in range(3):
        b.span(f"epoch {epoch + 1}", 150 + epoch * 33, 182 + epoch * 33, trace=0, parent=fit, key=epoch)
    b.span("save_model", 250, 259, trace=0, parent=train, key=1)
    del load
    evaluate = b.run(
        "evaluate",
        265,
        290,
        inputs=["models/model.pkl", "data/features.parquet"],
        outputs=["reports/metrics.json"],
        key=1,
        attributes=attrs("evaluate"),
        links=[(b.trace_id(0), train)],
    )
    predictions: list[str] = []
    serve: list[str] = []
    for i in range(6):
        preds = [f"predictions/txn-{i * 2 + j + 1:04d}" for j in range(2)]
        predictions.extend(preds)
        serve.append(
            b.run(
                "serve_predictions",
                400 + i * 30,
                410 + i * 30,
                trace=f"serve-{i}",
                inputs=["models/model.pkl"],
                outputs=preds,
                key=i,
                attributes=attrs("serve_predictions"),
            )
        )
    # Clean ran again later and rewrote data/clean.csv: featurize and everything after it is now stale.
    clean_rerun = b.run(
        "clean",
        600,
        630,
        trace="rerun",
        inputs=["raw/transactions.csv"],
        outputs=["data/clean.csv"],
        key=2,
        attributes=attrs("clean"),
    )
    # A later attempt to serve the first predictions again failed: they keep their producer, the attempt is shown.
    serve_failed = b.run(
        "serve_predictions",
        660,
        665,
        trace="serve-retry",
        inputs=["models/model.pkl"],
        outputs=predictions[:2],
        key="retry",
        status="ERROR",
        message="TimeoutError: the scoring service did not answer",
        attributes=attrs("serve_predictions"),
    )
    ids = IndustryIds(
        ingest=ingest,
        clean=clean,
        featurize=featurize,
        train=train,
        train_failed=train_failed,
        evaluate=evaluate,
        serve=serve,
        serve_failed=serve_failed,
        clean_rerun=clean_rerun,
        predictions=predictions,
        trace_id=b.trace_id(0),
    )
    return b.records, ids


STAGES = ("extract", "clean_shard", "validate_shard", "featurize_shard")


def fan_in_pipeline(
    base_ns: int, shards: int = 124, name: str = "fanin", publish_steps: int = 0
) -> tuple[list[SpanRecord], str]:
    """``shards`` x 4 shard runs merged into merge -> train -> evaluate (-> publish ...): 4 * shards + 3 + steps runs.

    Returns the records and the final output (its upstream lineage holds every run once).
    """
    b = PipelineBuilder(name, base_ns, service="fan-in")
    features: list[str] = []
    for s in range(shards):
        previous: list[str] = []
        for i, stage in enumerate(STAGES):
            output = f"{name}/shard-{s:03d}/{stage}.parquet"
            b.run(stage, s * 0.5 + i * 10, s * 0.5 + i * 10 + 8, inputs=previous, outputs=[output], key=s, trace=s)
            previous = [output]
        features.extend(previous)
    t0 = shards * 0.5 + 60
    b.run("merge", t0, t0 + 20, inputs=features, outputs=[f"{name}/features.parquet"], trace="final")
    b.run(
        "train_fanin",
        t0 + 25,
        t0 + 80,
        inputs=[f"{name}/features.parquet"],
        outputs=[f"{name}/model.pkl"],
        trace="final",
    )
    final = f"{name}/metrics.json"
    b.run("evaluate_fanin", t0 + 85, t0 + 95, inputs=[f"{name}/model.pkl"], outputs=[final], trace="final")
    for step in range(publish_steps):
        previous, final = final, f"{name}/published-{step}.json"
        t = t0 + 100 + step * 5
        b.run("publish", t, t + 4, inputs=[previous], outputs=[final], key=step, trace="final")
    return b.records, final


def wide_trace(base_ns: int, spans: int = 10_000, name: str = "wide") -> tuple[list[SpanRecord], str]:
    """One OTel trace of exactly ``spans`` spans: a root component run, ~sqrt(N) children, the rest grandchildren."""
    b = PipelineBuilder(name, base_ns, service="batch-scoring")
    root = b.run("score_all", 0, 600, outputs=[f"{name}/scores.parquet"], trace=0)
    remaining = spans - 1
    children = max(1, int(remaining**0.5))
    per_child = (remaining - children) // children
    extra = remaining - children - per_child * children
    made = 1
    for c in range(children):
        start = c * (590 / children)
        child = b.span(f"batch {c}", start, start + 590 / children, trace=0, parent=root, key=c)
        made += 1
        count = per_child + (1 if c < extra else 0)
        for g in range(count):
            gs = start + g * (590 / children) / max(count, 1)
            b.span(f"score row-group {g}", gs, gs + 0.004, trace=0, parent=child, key=f"{c}-{g}")
            made += 1
    assert made == spans, (made, spans)
    return b.records, b.trace_id(0)


def days_ago(days: float) -> int:
    return time.time_ns() - int(days * 86_400 * SECOND)
