"""A wide fan-in pipeline: 124 shards feed one model (499 runs), the shape mltrace needed 5 s to trace.

    partition -> 124 x (ingest -> validate -> clean -> featuregen) -> training -> inference

``partition`` writes a manifest; each shard's chain reads it and writes one small file per step; ``training``
reads all 124 feature files; ``inference`` reads the model. Tracing the prediction walks all 499 runs in two
SQL statements (``mltrace trace <output id>``).

    python -m examples.fan_in [--database-url URL] [--data-dir DIR] [--shards N]
"""

from __future__ import annotations

import contextlib
import csv
import json
import random
import statistics
from pathlib import Path

import mltrace_otel

try:
    from examples.common import example_parser
except ModuleNotFoundError:  # run as a script: python examples/fan_in.py
    from common import example_parser  # type: ignore[no-redef]
from mltrace_otel import register

SHARDS = 124
ROWS_PER_SHARD = 8


@register("fan-in/partition", output_vars=["manifest"], tags=["example", "fan-in"])
def partition(shards: int) -> str:
    manifest = "manifest.json"
    Path(manifest).write_text(json.dumps({"shards": [f"source-{s:03d}" for s in range(shards)]}))
    return manifest


@register("fan-in/ingest", input_vars=["manifest"], output_vars=["raw"], tags=["example", "fan-in"])
def ingest(manifest: str, shard: int) -> str:
    name = json.loads(Path(manifest).read_text())["shards"][shard]
    rng = random.Random(shard)
    raw = f"raw-{shard:03d}.csv"
    with open(raw, "w", newline="") as fh:
        rows = [
            (f"{name}-{i}", round(rng.uniform(0, 100), 2), rng.choice(["a", "b", ""])) for i in range(ROWS_PER_SHARD)
        ]
        csv.writer(fh).writerows([("id", "value", "group"), *rows])
    return raw


@register("fan-in/validate", input_vars=["raw"], output_vars=["valid"], tags=["example", "fan-in"])
def validate(raw: str, shard: int) -> str:
    with open(raw, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if any(float(r["value"]) < 0 for r in rows):
        raise ValueError(f"{raw}: negative values")
    valid = f"valid-{shard:03d}.csv"
    Path(valid).write_text(Path(raw).read_text())
    return valid


@register("fan-in/clean", input_vars=["valid"], output_vars=["cleaned"], tags=["example", "fan-in"])
def clean(valid: str, shard: int) -> str:
    with open(valid, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["group"]]
    cleaned = f"clean-{shard:03d}.csv"
    with open(cleaned, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "value", "group"])
        writer.writeheader()
        writer.writerows(rows)
    return cleaned


@register("fan-in/featuregen", input_vars=["cleaned"], output_vars=["features"], tags=["example", "fan-in"])
def featuregen(cleaned: str, shard: int) -> str:
    with open(cleaned, newline="") as fh:
        rows = list(csv.DictReader(fh))
    features = f"features-{shard:03d}.csv"
    with open(features, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "value", "is_a"])
        writer.writerows([r["id"], r["value"], int(r["group"] == "a")] for r in rows)
    return features


@register("fan-in/training", input_vars=["feature_files"], output_vars=["model"], tags=["example", "fan-in"])
def training(feature_files: list[str]) -> str:
    values: dict[int, list[float]] = {0: [], 1: []}
    for path in feature_files:
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                values[int(row["is_a"])].append(float(row["value"]))
    model = "model.json"
    Path(model).write_text(json.dumps({str(k): statistics.fmean(v) if v else 0.0 for k, v in values.items()}))
    return model


@register("fan-in/inference", input_vars=["model"], output_vars=["output_id"], tags=["example", "fan-in"])
def inference(model: str) -> str:
    means = json.loads(Path(model).read_text())
    output_id = mltrace_otel.create_random_ids()[0]
    Path(f"prediction-{output_id}.json").write_text(json.dumps({"a": means["1"], "b": means["0"]}))
    return output_id


def run(data_dir: Path, shards: int = SHARDS) -> str:
    """``1 + 4 * shards + 2`` runs in ``data_dir``; returns the prediction's output id."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(data_dir):
        manifest = partition(shards)
        features = [featuregen(clean(validate(ingest(manifest, s), s), s), s) for s in range(shards)]
        return inference(training(features))


def main(argv: list[str] | None = None) -> str:
    parser = example_parser(__doc__ or "", "fan_in")
    parser.add_argument("--shards", type=int, default=SHARDS, help=f"number of shards (default {SHARDS})")
    args = parser.parse_args(argv)
    mltrace_otel.configure(args.database_url, service_name="fan-in")
    output_id = run(args.data_dir, args.shards)
    mltrace_otel.flush()
    print(f"Final output id: {output_id}")
    return output_id


if __name__ == "__main__":
    main()
