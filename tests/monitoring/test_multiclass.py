"""Multi-class precision, recall and F1 (macro, micro, weighted) as scikit-learn defines them, from the
per-class counts per minute: the plain functions, windows, series, last-N and a scrape's batch agree."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import Engine

from mltrace_otel.monitoring import functions, windows
from tests.monitoring.planting import HOUR, NS, T0, obs, plant

# scikit-learn's own example (precision_score / recall_score / f1_score docstrings).
Y_TRUE = [0, 1, 2, 0, 1, 2]
Y_PRED = [0, 2, 1, 0, 0, 1]
SKLEARN = {
    "precision_macro": 2 / 9, "precision_micro": 1 / 3, "precision_weighted": 2 / 9,
    "recall_macro": 1 / 3, "recall_micro": 1 / 3, "recall_weighted": 1 / 3,
    "f1_macro": 0.8 / 3, "f1_micro": 1 / 3, "f1_weighted": 0.8 / 3,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_the_plain_functions_give_scikit_learns_numbers(name: str) -> None:
    assert functions.FUNCTIONS[name](Y_TRUE, Y_PRED) == pytest.approx(SKLEARN[name])


def test_a_class_never_predicted_scores_zero_and_weights_follow_support() -> None:
    y_true, y_pred = ["a", "a", "a", "b"], ["a", "a", "a", "a"]
    # "b" is never predicted: its precision is 0 (zero_division), so macro is (0.75 + 0) / 2.
    assert functions.FUNCTIONS["precision_macro"](y_true, y_pred) == pytest.approx(0.375)
    assert functions.FUNCTIONS["precision_weighted"](y_true, y_pred) == pytest.approx(0.75 * 3 / 4)
    assert math.isnan(functions.FUNCTIONS["f1_macro"]([], []))


def _plant(engine: Engine, rng: random.Random, start: int, count: int) -> list[tuple[str, str]]:
    """``count`` predictions of three species over ten minutes from ``start``; 70% right."""
    species = ["cat", "dog", "bird"]
    rows, pairs = [], []
    for i in range(count):
        truth = rng.choice(species)
        pred = truth if rng.random() < 0.7 else rng.choice(species)
        oid = f"{start}-{i}"
        rows += [obs("output", "species", oid, pred, start + i * 600 * NS // count),
                 obs("feedback", "species", oid, truth, start + HOUR)]  # fmt: skip
        pairs.append((truth, pred))
    plant(engine, rows)
    return pairs


def test_windows_series_last_n_and_a_batch_agree_with_the_plain_functions(engine: Engine) -> None:
    rng = random.Random(11)
    first = _plant(engine, rng, T0, 90)
    hour = {"window_s": 3600, "end_ns": T0 + 59 * 60 * NS}
    for name in SKLEARN:
        got = windows.compute(engine, "species", name, **hour)
        y_true, y_pred = zip(*first, strict=True)
        assert got.pairs == 90 and got.value == pytest.approx(functions.FUNCTIONS[name](y_true, y_pred)), name
    # Labels for another ten minutes arrive later: the same window's numbers follow.
    both = first + _plant(engine, rng, T0 + 20 * 60 * NS, 60)
    y_true, y_pred = zip(*both, strict=True)
    expected = functions.FUNCTIONS["f1_macro"](y_true, y_pred)
    assert windows.compute(engine, "species", "f1_macro", **hour).value == pytest.approx(expected)
    (batched,) = windows.compute_many(engine, [("species", "f1_macro", 3600)], end_ns=hour["end_ns"])
    assert (batched.value, batched.pairs) == (pytest.approx(expected), 150)
    series = windows.series(engine, "species", "recall_weighted", start_ns=T0, end_ns=T0 + 30 * 60 * NS,
                            step_s=600)  # fmt: skip
    t0, p0 = zip(*first, strict=True)
    assert [s.pairs for s in series] == [90, 0, 60]
    assert series[0].value == pytest.approx(functions.FUNCTIONS["recall_weighted"](t0, p0))
    assert series[1].value is None
    newest = windows.compute(engine, "species", "precision_macro", last_n=60)
    t1, p1 = zip(*both[90:], strict=True)
    assert newest.value == pytest.approx(functions.FUNCTIONS["precision_macro"](t1, p1))
    # Micro-averaged F1 of single-label classes is the accuracy.
    assert windows.compute(engine, "species", "f1_micro", **hour).value == pytest.approx(
        windows.compute(engine, "species", "accuracy", **hour).value
    )


def test_numeric_classes_count_as_classes(engine: Engine) -> None:
    plant(engine, [obs("output", "digits", f"d{i}", p, T0) for i, p in enumerate(Y_PRED)])
    plant(engine, [obs("feedback", "digits", f"d{i}", t, T0) for i, t in enumerate(Y_TRUE)])
    for name, expected in SKLEARN.items():
        assert windows.compute(engine, "digits", name, window_s=60, end_ns=T0).value == pytest.approx(expected)
