"""Drift: a planted shift is detected in the window it happens, on both databases; thresholds and references."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine

from mltrace_otel.monitoring import drift
from tests.monitoring.planting import HOUR, NS, T0, obs, plant

SHIFT_HOUR = 30


def _numeric_model(engine: Engine) -> None:
    """48 hours of scores, 300 an hour; from hour 30 on the model's outputs move up by one standard deviation."""
    rng = random.Random(7)
    rows = []
    for hour in range(48):
        mean = 1.0 if hour >= SHIFT_HOUR else 0.0
        rows += [obs("output", "score", f"{hour}-{i}", rng.gauss(mean, 1.0), T0 + hour * HOUR + i * 12 * NS)
                 for i in range(300)]  # fmt: skip
    plant(engine, rows)


def _category_model(engine: Engine) -> None:
    rng = random.Random(8)
    rows = []
    for hour in range(48):
        weights = [0.6, 0.3, 0.1] if hour < SHIFT_HOUR else [0.2, 0.3, 0.5]
        labels = rng.choices(["cat", "dog", "bird"], weights, k=300)
        rows += [obs("output", "animal", f"{hour}-{i}", lab, T0 + hour * HOUR + i * 12 * NS)
                 for i, lab in enumerate(labels)]  # fmt: skip
    plant(engine, rows)


@pytest.mark.parametrize(("plant_model", "task", "method"), [(_numeric_model, "score", "psi"),
                                                              (_category_model, "animal", "js")])  # fmt: skip
def test_a_planted_shift_is_detected_within_one_window(
    engine: Engine, plant_model: object, task: str, method: str
) -> None:
    plant_model(engine)  # type: ignore[operator]
    points = drift.drift_series(engine, task, start_ns=T0 + HOUR, end_ns=T0 + 48 * HOUR, window_s=3600)
    assert {p.method for p in points} == {method}
    flagged = [(p.start_ns - T0) // HOUR for p in points if p.drifted]
    # Against the hour before: the hour of the shift, and only it, stands out.
    assert flagged == [SHIFT_HOUR]
    # Against a fixed reference (the first day), every hour from the shift on has drifted, none before.
    drift.set_settings(engine, task, reference_start_ns=T0, reference_end_ns=T0 + 24 * HOUR)
    fixed = drift.drift_series(engine, task, start_ns=T0 + 24 * HOUR, end_ns=T0 + 48 * HOUR, window_s=3600)
    assert [(p.start_ns - T0) // HOUR for p in fixed if p.drifted] == list(range(SHIFT_HOUR, 48))
    # A stricter threshold of the task's own is used (and reported) instead of the default.
    drift.set_settings(engine, task, threshold=1e-6, reference_start_ns=T0, reference_end_ns=T0 + 24 * HOUR)
    strict = drift.drift_series(engine, task, start_ns=T0 + 24 * HOUR, end_ns=T0 + 30 * HOUR, window_s=3600)
    assert all(p.threshold == 1e-6 and p.drifted for p in strict)


def test_the_distribution_counts_every_output_in_its_bucket(engine: Engine) -> None:
    _numeric_model(engine)
    dist = drift.distribution(engine, "score", start_ns=T0, end_ns=T0 + 48 * HOUR, step_s=3600)
    assert dist.numeric and len(dist.edges) == 9 and len(dist.starts_ns) == 48
    assert [sum(row) for row in dist.counts] == [300] * 48
    # Mass moved to the upper bins after the shift.
    top = [sum(row[7:]) for row in dist.counts]
    assert sum(top[SHIFT_HOUR:]) / 18 > 2 * sum(top[:SHIFT_HOUR]) / 30


def test_the_current_drift_of_a_task_with_no_outputs_is_unknown_not_zero(engine: Engine) -> None:
    point = drift.current_drift(engine, "nothing", now_ns=T0)
    assert point.score is None and not point.drifted


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"reference_start_ns": T0}, "both a start and an end"), ({"threshold": -1.0}, "positive number"),
     ({"reference_start_ns": T0, "reference_end_ns": T0}, "must end after it starts")],
)  # fmt: skip
def test_bad_drift_settings_are_refused(engine: Engine, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        drift.set_settings(engine, "t", **kwargs)  # type: ignore[arg-type]
