"""Distributions of a task's outputs per time bucket, and drift between a reference window and the current one.

Numbers: population stability index (PSI) over ten bins at the reference's deciles (or, with a sliding
reference, the deciles of the whole range compared, so consecutive windows share bins). Categories: the
Jensen-Shannon divergence (base 2, in [0, 1]) of the category frequencies. Counting happens in SQL (NTILE for the
edges, one GROUP BY for every window's bins); only the bin counts come back.

The reference is the task's own setting (``tasks.reference_start_ns/end_ns``) when set, else the window just
before each one. A task's threshold (``tasks.drift_threshold``) defaults to 0.2 for PSI (the usual "significant
shift" rule of thumb) and 0.1 for Jensen-Shannon.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from mltrace_otel.monitoring.write import BUCKET_NS, lock_tasks

NS = 1_000_000_000
DEFAULT_WINDOW_S = 3600
PSI_THRESHOLD = 0.2
JS_THRESHOLD = 0.1
BINS = 10
_EPS = 1e-4  # floor for an empty bin's share, so PSI stays finite
MAX_CATEGORIES = 50  # categories beyond the most frequent are counted as "(other)"
OTHER = "(other)"


@dataclass(frozen=True)
class DriftSettings:
    threshold: float | None
    reference_start_ns: int | None
    reference_end_ns: int | None


@dataclass(frozen=True)
class Distribution:
    """Counts per time bucket: numeric bins (``edges``: upper bounds, the last bin open) or categories."""

    numeric: bool
    edges: list[float]
    categories: list[str]
    starts_ns: list[int]
    counts: list[list[int]]  # one row per time bucket, one column per bin/category


@dataclass(frozen=True)
class DriftPoint:
    start_ns: int
    end_ns: int
    score: float | None  # None when either side has no outputs
    method: str  # "psi" or "js"
    threshold: float
    drifted: bool
    count: int


def settings(engine: Engine, task: str) -> DriftSettings:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT drift_threshold, reference_start_ns, reference_end_ns FROM tasks WHERE name = :t"),
            {"t": task},
        ).first()
    return DriftSettings(*row) if row else DriftSettings(None, None, None)


def set_settings(
    engine: Engine,
    task: str,
    *,
    threshold: float | None = None,
    reference_start_ns: int | None = None,
    reference_end_ns: int | None = None,
) -> None:
    """Set a task's drift threshold and/or fixed reference window (both bounds, or neither for a sliding one)."""
    if (reference_start_ns is None) != (reference_end_ns is None):
        raise ValueError("a reference window needs both a start and an end")
    if reference_start_ns is not None and reference_end_ns is not None and reference_end_ns <= reference_start_ns:
        raise ValueError("the reference window must end after it starts")
    if threshold is not None and not (threshold > 0 and math.isfinite(threshold)):
        raise ValueError("a drift threshold must be a positive number")
    with engine.begin() as conn:
        lock_tasks(conn, [task], create_ns=time.time_ns())
        conn.execute(
            text("UPDATE tasks SET drift_threshold = :th, reference_start_ns = :a, reference_end_ns = :b "
                 "WHERE name = :t"),
            {"th": threshold, "a": reference_start_ns, "b": reference_end_ns, "t": task},
        )  # fmt: skip


def _is_numeric(conn: Connection, task: str, start: int, end: int) -> bool:
    row = conn.execute(
        text("SELECT COUNT(value), COUNT(label) FROM task_outputs WHERE task = :t AND ts_ns >= :a AND ts_ns < :b"),
        {"t": task, "a": start, "b": end},
    ).one()
    return int(row[0]) >= int(row[1])


def _edges(conn: Connection, task: str, start: int, end: int) -> list[float]:
    rows = conn.execute(
        text(
            f"SELECT tile, MAX(value) FROM (SELECT value, NTILE({BINS}) OVER (ORDER BY value) AS tile "
            "FROM task_outputs WHERE task = :t AND ts_ns >= :a AND ts_ns < :b AND value IS NOT NULL) q "
            "GROUP BY tile ORDER BY tile"
        ),
        {"t": task, "a": start, "b": end},
    ).all()
    return sorted({float(r[1]) for r in rows[:-1]})


def _bin_case(edges: list[float]) -> str:
    if not edges:
        return "0"
    whens = " ".join(f"WHEN value <= {e!r} THEN {i}" for i, e in enumerate(edges))
    return f"CASE {whens} ELSE {len(edges)} END"


def _numeric_counts(
    conn: Connection, task: str, edges: list[float], start: int, end: int, step: int
) -> dict[int, list[int]]:
    rows = conn.execute(
        text(
            f"SELECT (ts_ns - :a) / :s AS k, {_bin_case(edges)} AS bin, COUNT(*) FROM task_outputs "
            "WHERE task = :t AND ts_ns >= :a AND ts_ns < :b AND value IS NOT NULL GROUP BY k, bin"
        ),
        {"t": task, "a": start, "b": end, "s": step},
    ).all()
    out: dict[int, list[int]] = {}
    for k, b, c in rows:
        out.setdefault(int(k), [0] * (len(edges) + 1))[int(b)] += int(c)
    return out


def _category_counts(
    conn: Connection, task: str, start: int, end: int, step: int
) -> tuple[list[str], dict[int, list[int]]]:
    rows = conn.execute(
        text(
            "SELECT (ts_ns - :a) / :s AS k, label, COUNT(*) FROM task_outputs "
            "WHERE task = :t AND ts_ns >= :a AND ts_ns < :b AND label IS NOT NULL GROUP BY k, label"
        ),
        {"t": task, "a": start, "b": end, "s": step},
    ).all()
    return rank_categories([(int(k), label, int(c)) for k, label, c in rows])


def rank_categories(rows: list[tuple[int, str, int]]) -> tuple[list[str], dict[int, list[int]]]:
    """(window index, label, count) rows as the kept categories (the most frequent, the rest as OTHER) and each
    window's counts over them."""
    totals: dict[str, int] = {}
    for _, label, c in rows:
        totals[label] = totals.get(label, 0) + int(c)
    top = sorted(totals, key=lambda lab: (-totals[lab], lab))[:MAX_CATEGORIES]
    categories = sorted(top) + ([OTHER] if len(totals) > len(top) else [])
    index = {c: i for i, c in enumerate(categories)}
    out: dict[int, list[int]] = {}
    for k, label, c in rows:
        out.setdefault(int(k), [0] * len(categories))[index.get(label, len(categories) - 1)] += int(c)
    return categories, out


def psi(reference: list[int], current: list[int]) -> float | None:
    r_total, c_total = sum(reference), sum(current)
    if not r_total or not c_total:
        return None
    score = 0.0
    for r, c in zip(reference, current, strict=True):
        p, q = max(r / r_total, _EPS), max(c / c_total, _EPS)
        score += (q - p) * math.log(q / p)
    return score


def jensen_shannon(reference: list[int], current: list[int]) -> float | None:
    r_total, c_total = sum(reference), sum(current)
    if not r_total or not c_total:
        return None
    score = 0.0
    for r, c in zip(reference, current, strict=True):
        p, q = r / r_total, c / c_total
        m = (p + q) / 2
        if p:
            score += 0.5 * p * math.log2(p / m)
        if q:
            score += 0.5 * q * math.log2(q / m)
    return max(0.0, score)


def _align(ns: int) -> int:
    return ns - ns % BUCKET_NS


def distribution(engine: Engine, task: str, *, start_ns: int, end_ns: int, step_s: float) -> Distribution:
    step = max(BUCKET_NS, _align(int(step_s * NS)))
    start = _align(start_ns)
    drift_settings = settings(engine, task)
    with engine.connect() as conn:
        numeric = _is_numeric(conn, task, start, end_ns)
        starts = list(range(start, end_ns, step))
        if numeric:
            ref_a, ref_b = drift_settings.reference_start_ns, drift_settings.reference_end_ns
            edges = _edges(conn, task, ref_a, ref_b) if ref_a is not None and ref_b is not None else []
            edges = edges or _edges(conn, task, start, end_ns)
            counts = _numeric_counts(conn, task, edges, start, end_ns, step)
            width = len(edges) + 1
            return Distribution(True, edges, [], starts, [counts.get(k, [0] * width) for k in range(len(starts))])
        categories, by_k = _category_counts(conn, task, start, end_ns, step)
        return Distribution(
            False, [], categories, starts, [by_k.get(k, [0] * len(categories)) for k in range(len(starts))]
        )


def drift_series(
    engine: Engine, task: str, *, start_ns: int, end_ns: int, window_s: float = DEFAULT_WINDOW_S
) -> list[DriftPoint]:
    """The drift score of each window of ``window_s`` seconds in [start, end) against the task's reference
    (its fixed window, or else the window before)."""
    step = max(BUCKET_NS, _align(int(window_s * NS)))
    start = _align(start_ns)
    s = settings(engine, task)
    fixed = s.reference_start_ns is not None and s.reference_end_ns is not None
    with engine.connect() as conn:
        # A sliding reference needs the window before the first one too.
        first = start if fixed else start - step
        numeric = _is_numeric(conn, task, first, end_ns)
        method = "psi" if numeric else "js"
        threshold = s.threshold or (PSI_THRESHOLD if numeric else JS_THRESHOLD)
        score_fn = psi if numeric else jensen_shannon
        reference: list[int] | None = None
        if numeric:
            edges = _edges(conn, task, s.reference_start_ns, s.reference_end_ns) if fixed else []  # type: ignore[arg-type]
            edges = edges or _edges(conn, task, first, end_ns)
            by_k = _numeric_counts(conn, task, edges, first, end_ns, step)
            width = len(edges) + 1
            if fixed:
                ref = _numeric_counts(conn, task, edges, s.reference_start_ns, s.reference_end_ns,  # type: ignore[arg-type]
                                      s.reference_end_ns - s.reference_start_ns)  # type: ignore[operator]  # fmt: skip
                reference = ref.get(0, [0] * width)
        else:
            categories, by_k = _category_counts(conn, task, first, end_ns, step)
            width = len(categories)
            if fixed:
                assert s.reference_start_ns is not None and s.reference_end_ns is not None
                ref_cats, ref_k = _category_counts(
                    conn, task, s.reference_start_ns, s.reference_end_ns, s.reference_end_ns - s.reference_start_ns
                )
                ref_row = ref_k.get(0, [0] * len(ref_cats))
                lookup = dict(zip(ref_cats, ref_row, strict=True))
                reference = [lookup.get(c, 0) for c in categories]
    offset = 0 if fixed else 1
    points = []
    for i, a in enumerate(range(start, end_ns, step)):
        current = by_k.get(i + offset, [0] * width)
        ref_counts = reference if fixed else by_k.get(i, [0] * width)
        score = score_fn(ref_counts or [0] * width, current)
        points.append(DriftPoint(a, a + step, score, method, threshold, score is not None and score > threshold,
                                 sum(current)))  # fmt: skip
    return points


def current_drift(
    engine: Engine, task: str, *, window_s: float = DEFAULT_WINDOW_S, now_ns: int | None = None
) -> DriftPoint:
    """The drift of the latest window (ending at the next minute boundary after ``now_ns``, default now)."""
    end = _align(now_ns if now_ns is not None else time.time_ns()) + BUCKET_NS
    step = max(BUCKET_NS, _align(int(window_s * NS)))
    return drift_series(engine, task, start_ns=end - step, end_ns=end, window_s=window_s)[-1]


def as_dict(point: DriftPoint) -> dict[str, Any]:
    return {
        "start_ns": point.start_ns, "end_ns": point.end_ns, "score": point.score, "method": point.method,
        "threshold": point.threshold, "drifted": point.drifted, "count": point.count,
    }  # fmt: skip
