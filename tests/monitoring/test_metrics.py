"""Metrics over windows: SQL sums agree with the plain functions, late labels land in their window, incrementally."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import Engine, text

from mltrace_otel.monitoring import functions, windows
from tests.monitoring.planting import DAY, HOUR, NS, T0, obs, plant

MINUTE = 60 * NS


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_labels_arriving_two_days_late_give_the_right_metric_for_their_window(engine: Engine) -> None:
    # 400 predictions in the hour after T0, 300 of them right once the labels come, two days later.
    preds = [obs("output", "churn", f"c{i}", i % 2, T0 + i * 9 * NS) for i in range(400)]
    plant(engine, preds)
    hour = {"window_s": 3600, "end_ns": T0 + HOUR - 1}
    before = windows.compute(engine, "churn", "accuracy", **hour)
    assert (before.value, before.pairs) == (None, 0)
    late = T0 + 2 * DAY
    labels = [obs("feedback", "churn", f"c{i}", (i % 2) if i < 300 else 1 - i % 2, late + i * NS) for i in range(400)]
    plant(engine, labels)
    after = windows.compute(engine, "churn", "accuracy", **hour)
    assert (after.value, after.pairs, after.start_ns, after.end_ns) == (0.75, 400, T0, T0 + HOUR)
    # The window of the labels' arrival holds none of these predictions.
    assert windows.compute(engine, "churn", "accuracy", window_s=3600, end_ns=late + HOUR - 1).pairs == 0
    # Per-hour series over the three days: only the first hour has pairs.
    series = windows.series(engine, "churn", "accuracy", start_ns=T0, end_ns=T0 + 3 * DAY, step_s=3600)
    assert [(p.value, p.pairs) for p in series if p.pairs] == [(0.75, 400)]
    assert len(series) == 72


def test_built_in_metrics_from_sql_agree_with_the_plain_functions(engine: Engine) -> None:
    rng = random.Random(16)
    rows, truth, scores = [], [], []
    for i in range(600):
        y = rng.randint(0, 1)
        p = min(1.0, max(0.0, rng.gauss(0.35 + 0.3 * y, 0.2)))
        ts = T0 + i * 6 * NS
        rows += [obs("output", "cls", f"s{i}", p, ts), obs("feedback", "cls", f"s{i}", y, ts + HOUR)]
        rows += [obs("output", "hard", f"h{i}", int(p > 0.5), ts), obs("feedback", "hard", f"h{i}", y, ts)]
        truth.append(y)
        scores.append(p)
    plant(engine, rows)
    labels = [int(p > 0.5) for p in scores]
    end = T0 + HOUR - 1
    expect = {
        ("hard", "accuracy"): functions.accuracy(truth, labels),
        ("hard", "precision"): functions.precision(truth, labels),
        ("hard", "recall"): functions.recall(truth, labels),
        ("hard", "f1"): functions.f1(truth, labels),
        ("cls", "log_loss"): functions.log_loss(truth, scores),
        ("cls", "roc_auc"): functions.roc_auc(truth, scores),
        ("cls", "mae"): functions.mean_absolute_error(truth, scores),
        ("cls", "rmse"): functions.root_mean_squared_error(truth, scores),
        ("cls", "mape"): functions.mean_absolute_percentage_error(truth, scores),
    }
    for (task, metric), value in expect.items():
        got = windows.compute(engine, task, metric, window_s=3600, end_ns=end)
        assert got.pairs == 600
        assert got.value == pytest.approx(value, rel=1e-9), metric
    # Last-N: the newest 100 outputs with feedback, straight from SQL.
    last = windows.compute(engine, "hard", "accuracy", last_n=100)
    assert last.value == pytest.approx(functions.accuracy(truth[-100:], labels[-100:]))
    assert windows.compute(engine, "cls", "roc_auc", last_n=100).value == pytest.approx(
        functions.roc_auc(truth[-100:], scores[-100:])
    )
    # A window holding half the outputs.
    half = windows.compute(engine, "hard", "accuracy", window_s=1800, end_ns=T0 + 1800 * NS - 1)
    assert half.value == pytest.approx(functions.accuracy(truth[:300], labels[:300]))


def test_only_the_minutes_touched_are_recomputed(engine: Engine) -> None:
    plant(engine, [obs("output", "reg", f"r{i}", float(i), T0 + i * MINUTE) for i in range(30)])
    plant(engine, [obs("feedback", "reg", f"r{i}", float(i) + 1, T0 + DAY) for i in range(30)])
    assert windows.compute(engine, "reg", "mae", window_s=DAY / NS, end_ns=T0 + HOUR).value == 1.0
    assert _count(engine, "SELECT COUNT(*) FROM task_dirty_buckets") == 0
    assert _count(engine, "SELECT COUNT(*) FROM task_metric_buckets") == 30
    # A correction for one output's feedback under a new id, and one late label: one minute is marked.
    plant(engine, [obs("output", "reg", "late", 10.0, T0 + 5 * MINUTE + NS)])
    plant(engine, [obs("feedback", "reg", "late", 14.0, T0 + 2 * DAY)])
    assert _count(engine, "SELECT COUNT(*) FROM task_dirty_buckets") == 1
    got = windows.compute(engine, "reg", "mae", window_s=DAY / NS, end_ns=T0 + HOUR)
    assert got.value == pytest.approx(34 / 31) and got.pairs == 31
    assert windows.compute(engine, "reg", "rmse", window_s=DAY / NS, end_ns=T0 + HOUR).value == pytest.approx(
        math.sqrt(46 / 31)
    )


def test_an_unknown_metric_is_named_in_the_error(engine: Engine) -> None:
    with pytest.raises(windows.UnknownMetric, match="built-in metrics are accuracy"):
        windows.compute(engine, "t", "auroc")
