"""mltrace's industry_ml example on mltrace-otel: a company's ML pipeline, on small generated data files.

    ingest -> clean -> featuregen -> training -> training again (from the previous model)
    live ingest -> clean -> featuregen -> inference (with the production model)

Each step is a ``Component`` run with mltrace's ``input_vars``/``output_vars``; ``clean`` and ``training`` carry
data tests, the models are written with ``mltrace_otel.save`` and read with ``mltrace_otel.load``. It prints the
inference output's id; trace it with ``mltrace trace <id>`` or ``trace <id>`` in the UI's command bar.

    python -m examples.industry_ml [--database-url URL] [--data-dir DIR]
"""

from __future__ import annotations

import contextlib
import csv
import math
import random
from pathlib import Path

import mltrace_otel

try:
    from examples.common import parse_args
except ModuleNotFoundError:  # run as a script: python examples/industry_ml.py
    from common import parse_args  # type: ignore[no-redef]
from mltrace_otel import Component, Test

FEATURES = ("amount", "age_days", "amount_per_day", "log_amount")


class NoMissingValues(Test):
    """After cleaning, every row has every column."""

    def test_no_missing_values(self, clean_data_filename: str) -> None:
        with open(clean_data_filename, newline="") as fh:
            for row in csv.DictReader(fh):
                assert all(v != "" for v in row.values()), f"missing value in {row}"


class EnoughTrainingRows(Test):
    """Refuse to train on a handful of rows."""

    def test_enough_rows(self, filename: str) -> None:
        with open(filename, newline="") as fh:
            assert sum(1 for _ in csv.DictReader(fh)) >= 50, "fewer than 50 training rows"


ingest_component = Component(
    "industry-ml/ingest", owner="data_engineer", description="Ingests a client's data into the lake.", tags=["example"]
)
clean_component = Component(
    "industry-ml/clean",
    owner="data_engineer",
    description="Drops rows with missing values.",
    tags=["example"],
    afterTests=[NoMissingValues],
)
featuregen_component = Component(
    "industry-ml/featuregen", owner="ml_engineer", description="Derives model features.", tags=["example"]
)
training_component = Component(
    "industry-ml/training",
    owner="data_scientist",
    description="Trains a logistic regression, optionally from a previous model.",
    tags=["example"],
    beforeTests=[EnoughTrainingRows],
)
inference_component = Component(
    "industry-ml/inference",
    owner="ml_engineer",
    description="Scores live data with the production model.",
    tags=["example"],
)


def generate_client_data(path: Path, rows: int, seed: int) -> None:
    """A fraud-like table: amount, account age, a label, and a few missing values as real exports have."""
    rng = random.Random(seed)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "amount", "age_days", "label"])
        for i in range(rows):
            amount = round(rng.lognormvariate(3.5, 1.0), 2)
            age = rng.randint(1, 2_000)
            label = int((amount > 80 and age < 300) or rng.random() < 0.05)
            writer.writerow([i, "" if rng.random() < 0.03 else amount, age, label])


@ingest_component.run(input_vars=["client_data_filename"], output_vars=["ingested_data_filename"])
def ingest(client_data_filename: str) -> str:
    ingested_data_filename = f"ingested_{client_data_filename}"
    Path(ingested_data_filename).write_bytes(Path(client_data_filename).read_bytes())
    return ingested_data_filename


@clean_component.run(input_vars=["filename"], output_vars=["clean_data_filename"])
def clean(filename: str) -> str:
    clean_data_filename = f"clean_{filename}"
    with open(filename, newline="") as src, open(clean_data_filename, "w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(row for row in reader if all(v != "" for v in row.values()))
    return clean_data_filename


@featuregen_component.run(input_vars=["filename"], output_vars=["features_filename"])
def featuregen(filename: str) -> str:
    features_filename = f"feature_{filename}"
    with open(filename, newline="") as src, open(features_filename, "w", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["id", *FEATURES, "label"])
        for row in csv.DictReader(src):
            amount, age = float(row["amount"]), float(row["age_days"])
            writer.writerow([row["id"], amount, age, amount / age, math.log1p(amount), row["label"]])
    return features_filename


def _read_features(filename: str) -> tuple[list[str], list[list[float]], list[int]]:
    ids, xs, ys = [], [], []
    with open(filename, newline="") as fh:
        for row in csv.DictReader(fh):
            ids.append(row["id"])
            xs.append([float(row[f]) for f in FEATURES])
            ys.append(int(row["label"]))
    return ids, xs, ys


def _scaled(xs: list[list[float]]) -> tuple[list[list[float]], list[float], list[float]]:
    cols = list(zip(*xs, strict=True))
    means = [sum(c) / len(c) for c in cols]
    stds = [math.sqrt(sum((v - m) ** 2 for v in c) / len(c)) or 1.0 for c, m in zip(cols, means, strict=True)]
    return [[(v - m) / s for v, m, s in zip(x, means, stds, strict=True)] for x in xs], means, stds


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def _predict(model: dict, x: list[float]) -> float:
    scaled = [(v - m) / s for v, m, s in zip(x, model["means"], model["stds"], strict=True)]
    return _sigmoid(model["bias"] + sum(w * v for w, v in zip(model["weights"], scaled, strict=True)))


@training_component.run(input_vars=["filename", "dev_model"], output_vars=["model_filename"])
def training(filename: str, dev_model: str = "") -> str:
    _, xs, ys = _read_features(filename)
    scaled, means, stds = _scaled(xs)
    # Warm start from the development model when there is one (mltrace's "train again" step).
    model = mltrace_otel.load(dev_model) if dev_model else {"weights": [0.0] * len(FEATURES), "bias": 0.0}
    weights, bias = list(model["weights"]), model["bias"]
    for _ in range(200):
        grad_w, grad_b = [0.0] * len(weights), 0.0
        for x, y in zip(scaled, ys, strict=True):
            err = _sigmoid(bias + sum(w * v for w, v in zip(weights, x, strict=True))) - y
            grad_w = [g + err * v for g, v in zip(grad_w, x, strict=True)]
            grad_b += err
        weights = [w - 0.5 * g / len(ys) for w, g in zip(weights, grad_w, strict=True)]
        bias -= 0.5 * grad_b / len(ys)
    model_filename = "prod_model.pkl" if dev_model else "model.pkl"
    mltrace_otel.save({"weights": weights, "bias": bias, "means": means, "stds": stds}, model_filename)
    return model_filename


@inference_component.run(input_vars=["filename", "model_path"], output_vars=["output_id"])
def inference(filename: str, model_path: str) -> str:
    model = mltrace_otel.load(model_path)
    ids, xs, _ = _read_features(filename)
    output_id = mltrace_otel.create_random_ids()[0]
    with open(f"predictions_{output_id}.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "fraud_probability"])
        writer.writerows([i, round(_predict(model, x), 4)] for i, x in zip(ids, xs, strict=True))
    return output_id


def run(data_dir: Path) -> str:
    """The whole pipeline in ``data_dir`` (pointers are file names relative to it, as in mltrace); the output id."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(data_dir):
        generate_client_data(Path("historical_data.csv"), rows=400, seed=1)
        generate_client_data(Path("live_data.csv"), rows=60, seed=2)

        historical_features = featuregen(clean(ingest("historical_data.csv")))
        historical_model = training(historical_features)
        production_model = training(historical_features, historical_model)

        live_features = featuregen(clean(ingest("live_data.csv")))
        return inference(live_features, production_model)


def main(argv: list[str] | None = None) -> str:
    args = parse_args(__doc__ or "", argv, "industry_ml")
    mltrace_otel.configure(args.database_url, service_name="industry-ml")
    output_id = run(args.data_dir)
    mltrace_otel.flush()
    print(f"Final output id: {output_id}")
    return output_id


if __name__ == "__main__":
    main()
