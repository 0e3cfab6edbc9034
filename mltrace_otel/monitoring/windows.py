"""Metrics over time windows and last-N windows, from the per-minute statistics (buckets.py) where they can be.

A time window holds the outputs *made* in it (the output's timestamp), whenever their feedback arrived: labels
that come two days late change the metric of the window their predictions belong to, once they arrive. Windows
are aligned to the minute. Built-in metrics come from SQL sums; ROC AUC (a rank statistic) and user functions
read the window's pairs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, text

from mltrace_otel.monitoring import functions
from mltrace_otel.monitoring.buckets import STATS, json_rows, refresh, refresh_all, stats_select
from mltrace_otel.monitoring.write import BUCKET_NS

NS = 1_000_000_000


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


# Built-in metrics computed from the summed statistics (None: undefined for the window, e.g. no pairs).
FROM_STATS: dict[str, Callable[[dict[str, float]], float | None]] = {
    "accuracy": lambda s: _ratio(s["n_correct"], s["n"]),
    "precision": lambda s: _ratio(s["tp"], s["tp"] + s["fp"]),
    "recall": lambda s: _ratio(s["tp"], s["tp"] + s["fn"]),
    "f1": lambda s: _ratio(2 * s["tp"], 2 * s["tp"] + s["fp"] + s["fn"]),
    "mae": lambda s: _ratio(s["sum_abs"], s["n_num"]),
    "mse": lambda s: _ratio(s["sum_sq"], s["n_num"]),
    "rmse": lambda s: None if not s["n_num"] else math.sqrt(s["sum_sq"] / s["n_num"]),
    "mape": lambda s: _ratio(s["sum_ape"], s["n_ape"]),
    "log_loss": lambda s: _ratio(s["sum_ll"], s["n_ll"]),
}
ALIASES = {"mean_absolute_error": "mae", "mean_squared_error": "mse"}
# Multi-class precision/recall/F1 (macro, micro, weighted averages) from the per-class counts per minute.
BY_CLASS = tuple(functions.AVERAGED)
BUILTIN = (*FROM_STATS, *BY_CLASS, "roc_auc")


def _by_class(name: str, counts: list[tuple[int, int, int]]) -> MetricValue:
    metric, average = name.rsplit("_", 1)
    value = _finite(functions.averaged(metric, average, counts))
    return MetricValue(name, value, sum(tp + fn for tp, _, fn in counts), None, None)


def class_counts(engine: Engine, task: str, start_ns: int, end_ns: int) -> list[tuple[int, int, int]]:
    """Per class (tp, fp, fn) of the window's pairs, summed over its minutes."""
    refresh(engine, task)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT SUM(tp), SUM(fp), SUM(fn) FROM task_class_buckets WHERE task = :t AND bucket_ns >= :a "
                 "AND bucket_ns < :b GROUP BY class_key"),
            {"t": task, "a": start_ns, "b": end_ns},
        ).all()  # fmt: skip
    return [(int(a), int(b), int(c)) for a, b, c in rows]


class UnknownMetric(ValueError):
    pass


def builtin_name(name: str) -> str:
    resolved = ALIASES.get(name, name)
    if resolved not in BUILTIN:
        raise UnknownMetric(f"unknown metric {name!r}; built-in metrics are {', '.join(BUILTIN)}")
    return resolved


@dataclass(frozen=True)
class MetricValue:
    metric: str
    value: float | None
    pairs: int  # the joined (output, feedback) pairs behind it
    start_ns: int | None
    end_ns: int | None


def align(ns: int) -> int:
    return ns - ns % BUCKET_NS


def _now_end(end_ns: int | None) -> int:
    """Windows end at the next minute boundary after ``end_ns`` (default now), so the current minute counts."""
    return align(end_ns if end_ns is not None else time.time_ns()) + BUCKET_NS


def window_stats(engine: Engine, task: str, start_ns: int, end_ns: int) -> dict[str, float]:
    refresh(engine, task)
    sums = ", ".join(f"COALESCE(SUM({s}), 0)" for s in STATS)
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT {sums} FROM task_metric_buckets WHERE task = :t AND bucket_ns >= :a AND bucket_ns < :b"),
            {"t": task, "a": start_ns, "b": end_ns},
        ).one()
    return {s: float(v) for s, v in zip(STATS, row, strict=True)}


def last_n_stats(engine: Engine, task: str, n: int) -> dict[str, float]:
    """The statistics of the newest ``n`` outputs that have feedback (index-ordered, bounded by n)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT {stats_select('ov', 'ol', 'fv', 'fl')} FROM (SELECT o.value AS ov, o.label AS ol, "
                "f.value AS fv, f.label AS fl FROM task_outputs o JOIN task_feedback f "
                "ON f.task = o.task AND f.output_id = o.output_id WHERE o.task = :t "
                "ORDER BY o.ts_ns DESC LIMIT :n) p"
            ),
            {"t": task, "n": n},
        ).one()
    return {s: float(v or 0) for s, v in zip(STATS, row, strict=True)}


def pairs(
    engine: Engine,
    task: str,
    *,
    start_ns: int | None = None,
    end_ns: int | None = None,
    last_n: int | None = None,
) -> tuple[list[Any], list[Any]]:
    """(y_true, y_pred) of the joined pairs in a window, oldest first: for ROC AUC and user functions."""
    where = ["o.task = :t"]
    params: dict[str, Any] = {"t": task}
    if start_ns is not None:
        where.append("o.ts_ns >= :a")
        params["a"] = start_ns
    if end_ns is not None:
        where.append("o.ts_ns < :b")
        params["b"] = end_ns
    limit = ""
    if last_n is not None:
        limit = " ORDER BY o.ts_ns DESC LIMIT :n"
        params["n"] = last_n
    sql = (
        "SELECT o.ts_ns, f.value, f.label, o.value, o.label FROM task_outputs o JOIN task_feedback f "
        f"ON f.task = o.task AND f.output_id = o.output_id WHERE {' AND '.join(where)}{limit}"
    )
    with engine.connect() as conn:
        rows = sorted(conn.execute(text(sql), params).all(), key=lambda r: r[0])
    y_true = [r[1] if r[1] is not None else r[2] for r in rows]
    y_pred = [r[3] if r[3] is not None else r[4] for r in rows]
    return y_true, y_pred


def _finite(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def compute(
    engine: Engine,
    task: str,
    metric: str,
    *,
    window_s: float | None = None,
    end_ns: int | None = None,
    last_n: int | None = None,
) -> MetricValue:
    """A built-in metric over the last ``window_s`` seconds before ``end_ns`` (default now), over the newest
    ``last_n`` outputs with feedback, or over everything."""
    name = builtin_name(metric)
    if last_n is not None:
        if name == "roc_auc":
            y_true, y_pred = pairs(engine, task, last_n=last_n)
            return MetricValue(name, _finite(functions.roc_auc(y_true, y_pred)), len(y_true), None, None)
        if name in BY_CLASS:
            y_true, y_pred = pairs(engine, task, last_n=last_n)
            return _by_class(name, functions.class_counts(y_true, y_pred))
        stats = last_n_stats(engine, task, last_n)
        return MetricValue(name, FROM_STATS[name](stats), int(stats["n"]), None, None)
    end = _now_end(end_ns)
    start = end - int(window_s * NS) if window_s is not None else 0
    if window_s is not None:
        start = align(start)
    if name == "roc_auc":
        y_true, y_pred = pairs(engine, task, start_ns=start, end_ns=end)
        return MetricValue(name, _finite(functions.roc_auc(y_true, y_pred)), len(y_true), start, end)
    if name in BY_CLASS:
        return replace(_by_class(name, class_counts(engine, task, start, end)), start_ns=start, end_ns=end)
    stats = window_stats(engine, task, start, end)
    return MetricValue(name, FROM_STATS[name](stats), int(stats["n"]), start, end)


def _class_series(engine: Engine, task: str, name: str, start: int, end: int, step: int) -> list[MetricValue]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT (bucket_ns - :a) / :step AS k, SUM(tp), SUM(fp), SUM(fn) FROM task_class_buckets "
                 "WHERE task = :t AND bucket_ns >= :a AND bucket_ns < :b GROUP BY (bucket_ns - :a) / :step, class_key"),
            {"t": task, "a": start, "b": end, "step": step},
        ).all()  # fmt: skip
    by_k: dict[int, list[tuple[int, int, int]]] = {}
    for k, tp, fp, fn in rows:
        by_k.setdefault(int(k), []).append((int(tp), int(fp), int(fn)))
    return [
        replace(_by_class(name, by_k.get(k, [])), start_ns=a, end_ns=a + step)
        for k, a in enumerate(range(start, end, step))
    ]


def compute_many(
    engine: Engine, wanted: list[tuple[str, str, float | None]], *, end_ns: int | None = None
) -> list[MetricValue]:
    """(task, metric, window seconds or None for everything) each computed as :func:`compute` does, the built-in
    ones from the per-minute statistics in one statement for all of them (ROC AUC reads its window's pairs)."""
    end = _now_end(end_ns)
    spans = [(t, builtin_name(m), 0 if w is None else align(end - int(w * NS))) for t, m, w in wanted]
    summed = [k for k, (_, name, _) in enumerate(spans) if name in FROM_STATS]
    by_class = [k for k, (_, name, _) in enumerate(spans) if name in BY_CLASS]
    stats: dict[int, dict[str, float]] = {}
    classes: dict[int, list[tuple[int, int, int]]] = {}
    if by_class:
        refresh_all(engine)
        with engine.connect() as conn:
            table = json_rows(conn, ":w", {"k": "bigint", "task": "text", "a": "bigint"})
            for k, tp, fp, fn in conn.execute(
                text(f"SELECT w.k, SUM(b.tp), SUM(b.fp), SUM(b.fn) FROM {table} w JOIN task_class_buckets b "
                     "ON b.task = w.task AND b.bucket_ns >= w.a AND b.bucket_ns < :end GROUP BY w.k, b.class_key"),
                {"w": json.dumps([{"k": k, "task": spans[k][0], "a": spans[k][2]} for k in by_class]), "end": end},
            ):  # fmt: skip
                classes.setdefault(int(k), []).append((int(tp), int(fp), int(fn)))
    if summed:
        refresh_all(engine)
        sums = ", ".join(f"COALESCE(SUM(b.{s}), 0)" for s in STATS)
        with engine.connect() as conn:
            table = json_rows(conn, ":w", {"k": "bigint", "task": "text", "a": "bigint"})
            found = conn.execute(
                text(f"SELECT w.k, {sums} FROM {table} w JOIN task_metric_buckets b ON b.task = w.task "
                     "AND b.bucket_ns >= w.a AND b.bucket_ns < :end GROUP BY w.k"),
                {"w": json.dumps([{"k": k, "task": spans[k][0], "a": spans[k][2]} for k in summed]), "end": end},
            ).all()  # fmt: skip
        stats = {int(r[0]): {s: float(v) for s, v in zip(STATS, r[1:], strict=True)} for r in found}
    out = []
    for k, (task, name, start) in enumerate(spans):
        if name == "roc_auc":
            y_true, y_pred = pairs(engine, task, start_ns=start, end_ns=end)
            out.append(MetricValue(name, _finite(functions.roc_auc(y_true, y_pred)), len(y_true), start, end))
            continue
        if name in BY_CLASS:
            out.append(replace(_by_class(name, classes.get(k, [])), start_ns=start, end_ns=end))
            continue
        got = stats.get(k, dict.fromkeys(STATS, 0.0))
        out.append(MetricValue(name, FROM_STATS[name](got), int(got["n"]), start, end))
    return out


def series(engine: Engine, task: str, metric: str, *, start_ns: int, end_ns: int, step_s: float) -> list[MetricValue]:
    """The metric per consecutive window of ``step_s`` seconds from ``start_ns`` (aligned) to ``end_ns``: one
    GROUP BY over the per-minute statistics."""
    name = builtin_name(metric)
    step = max(BUCKET_NS, align(int(step_s * NS)))
    start = align(start_ns)
    if name == "roc_auc":
        out = []
        for a in range(start, end_ns, step):
            y_true, y_pred = pairs(engine, task, start_ns=a, end_ns=a + step)
            out.append(MetricValue(name, _finite(functions.roc_auc(y_true, y_pred)), len(y_true), a, a + step))
        return out
    refresh(engine, task)
    if name in BY_CLASS:
        return _class_series(engine, task, name, start, end_ns, step)
    sums = ", ".join(f"SUM({s})" for s in STATS)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT (bucket_ns - :a) / :step AS k, {sums} FROM task_metric_buckets "
                "WHERE task = :t AND bucket_ns >= :a AND bucket_ns < :b GROUP BY (bucket_ns - :a) / :step"
            ),
            {"t": task, "a": start, "b": end_ns, "step": step},
        ).all()
    by_k = {int(r[0]): {s: float(v) for s, v in zip(STATS, r[1:], strict=True)} for r in rows}
    out = []
    for k, a in enumerate(range(start, end_ns, step)):
        stats = by_k.get(k)
        value = FROM_STATS[name](stats) if stats else None
        out.append(MetricValue(name, value, int(stats["n"]) if stats else 0, a, a + step))
    return out
