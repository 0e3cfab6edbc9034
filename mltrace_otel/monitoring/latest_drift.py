"""The drift of many (task, window) pairs in a fixed number of statements: each task's latest window (the task
list, a Prometheus scrape) or the windows a run's outputs fall in (run_drift.py).

:func:`drift.current_drift` spends a few statements on each window. This computes the same point (same bins,
categories, reference and threshold; a test compares the two) for every window at once: each statement takes the
windows' time ranges as one JSON parameter, so the count of statements stays five however many there are. What
each reads is the outputs of the windows compared, never the task's whole history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from mltrace_otel.monitoring.buckets import json_list, json_rows
from mltrace_otel.monitoring.drift import (
    BINS,
    DEFAULT_WINDOW_S,
    JS_THRESHOLD,
    NS,
    PSI_THRESHOLD,
    DriftPoint,
    jensen_shannon,
    psi,
    rank_categories,
)
from mltrace_otel.monitoring.write import BUCKET_NS

_RANGE = {"k": "bigint", "task": "text", "a": "bigint", "b": "bigint"}
_OUTPUTS_IN = "JOIN task_outputs o ON o.task = w.task AND o.ts_ns >= w.a AND o.ts_ns < w.b"


@dataclass(frozen=True)
class _Plan:
    task: str
    start: int
    end: int
    threshold: float | None
    reference: tuple[int, int]  # the fixed reference window, else the window before [start, end)
    fixed: bool

    @property
    def first(self) -> int:
        """Where the outputs that decide numbers-or-categories (and a sliding reference's bins) start."""
        return self.start if self.fixed else self.start - (self.end - self.start)


def _align(ns: int) -> int:
    return ns - ns % BUCKET_NS


def latest_drifts(
    engine: Engine, now_by_task: dict[str, int], *, window_s: float = DEFAULT_WINDOW_S
) -> dict[str, DriftPoint]:
    """Each task's drift over the window of ``window_s`` seconds ending at the minute boundary after its ``now``
    (what ``current_drift(engine, task, window_s=..., now_ns=now)`` answers)."""
    if not now_by_task:
        return {}
    with engine.connect() as conn:
        points = window_drifts(conn, list(now_by_task.items()), window_s=window_s)
    return dict(zip(now_by_task, points, strict=True))


def window_drifts(
    conn: Connection, windows: list[tuple[str, int]], *, window_s: float = DEFAULT_WINDOW_S
) -> list[DriftPoint]:
    """The drift of each (task, now): the window of ``window_s`` seconds ending at the minute boundary after
    ``now``, against the task's reference. A task may come several times (several windows)."""
    if not windows:
        return []
    step = max(BUCKET_NS, _align(int(window_s * NS)))
    plans = _plans(conn, windows, step)
    numeric = _numeric(conn, plans)
    by_number = [i for i in range(len(plans)) if numeric[i]]
    edges = _edges(conn, plans, by_number)
    bins = _bin_counts(conn, plans, by_number, edges)
    labels = _label_counts(conn, plans, [i for i in range(len(plans)) if not numeric[i]])
    out = []
    for i, plan in enumerate(plans):
        if numeric[i]:
            width = len(edges[i]) + 1
            reference = bins.get((i, "ref"), [0] * width)
            current = bins.get((i, "cur"), [0] * width)
            score = psi(reference, current)
            threshold = plan.threshold or PSI_THRESHOLD
        else:
            reference, current = _category_sides(plan, labels.get(i, []))
            score = jensen_shannon(reference, current)
            threshold = plan.threshold or JS_THRESHOLD
        drifted = score is not None and score > threshold
        method = "psi" if numeric[i] else "js"
        out.append(DriftPoint(plan.start, plan.end, score, method, threshold, drifted, sum(current)))
    return out


def _plans(conn: Connection, windows: list[tuple[str, int]], step: int) -> list[_Plan]:
    names = sorted({t for t, _ in windows})
    found = {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(
            text("SELECT name, drift_threshold, reference_start_ns, reference_end_ns FROM tasks "
                 f"WHERE name IN ({json_list(conn, ':names')})"),
            {"names": json.dumps(names)},
        )
    }  # fmt: skip
    plans = []
    for task, now in windows:
        end = _align(now) + BUCKET_NS
        start = end - step
        threshold, ref_a, ref_b = found.get(task, (None, None, None))
        fixed = ref_a is not None and ref_b is not None
        reference = (int(ref_a), int(ref_b)) if fixed else (start - step, start)
        plans.append(_Plan(task, start, end, threshold, reference, fixed))
    return plans


def _ranges(conn: Connection, ranges: list[tuple[str, int, int]]) -> tuple[str, dict[str, str]]:
    """The ranges as a derived table ``w`` (k = index in the list) and its parameter."""
    rows = [{"k": k, "task": t, "a": a, "b": b} for k, (t, a, b) in enumerate(ranges)]
    return f"{json_rows(conn, ':w', _RANGE)} w", {"w": json.dumps(rows)}


def _numeric(conn: Connection, plans: list[_Plan]) -> list[bool]:
    """Numbers or categories, by the majority of the outputs compared (numbers when there are none)."""
    table, params = _ranges(conn, [(p.task, p.first, p.end) for p in plans])
    counts = {
        int(k): (int(v), int(c))
        for k, v, c in conn.execute(
            text(f"SELECT w.k, COUNT(o.value), COUNT(o.label) FROM {table} {_OUTPUTS_IN} GROUP BY w.k"), params
        )
    }
    return [counts.get(i, (0, 0))[0] >= counts.get(i, (0, 0))[1] for i in range(len(plans))]


def _edges(conn: Connection, plans: list[_Plan], chosen: list[int]) -> dict[int, list[float]]:
    """The bins' upper bounds: the deciles of the fixed reference (or, when it holds no number, of the current
    window), else of both windows compared. One NTILE over every chosen window's ranges."""
    if not chosen:
        return {}
    keys = [(i, "span") for i in chosen] + [(i, "ref") for i in chosen if plans[i].fixed]
    ranges = [(plans[i].task, *(plans[i].reference if r == "ref" else (plans[i].first, plans[i].end))) for i, r in keys]
    table, params = _ranges(conn, ranges)
    tiles: dict[int, list[tuple[int, float]]] = {}
    for k, tile, top in conn.execute(
        text(f"SELECT k, tile, MAX(value) FROM (SELECT w.k AS k, o.value AS value, NTILE({BINS}) OVER "
             f"(PARTITION BY w.k ORDER BY o.value) AS tile FROM {table} {_OUTPUTS_IN} WHERE o.value IS NOT NULL) q "
             "GROUP BY k, tile"),
        params,
    ):  # fmt: skip
        tiles.setdefault(int(k), []).append((int(tile), float(top)))
    found = {k: sorted({v for _, v in sorted(rows)[:-1]}) for k, rows in tiles.items()}
    out: dict[int, list[float]] = {}
    for k, (i, role) in enumerate(keys):
        if role == "span":
            out[i] = found.get(k, [])
        else:  # a fixed reference's deciles win when it holds numbers
            out[i] = found.get(k, []) or out[i]
    return out


def _bin_counts(
    conn: Connection, plans: list[_Plan], chosen: list[int], edges: dict[int, list[float]]
) -> dict[tuple[int, str], list[int]]:
    """Counts per bin of the reference and the current window. A value's bin is the number of bounds below it
    (the first bound it does not exceed), the bounds travelling with each range as a JSON array."""
    if not chosen:
        return {}
    keys = [(i, side) for i in chosen for side in ("ref", "cur")]
    rows = []
    for k, (i, side) in enumerate(keys):
        a, b = plans[i].reference if side == "ref" else (plans[i].start, plans[i].end)
        rows.append({"k": k, "task": plans[i].task, "a": a, "b": b, "edges": edges[i]})
    table = f"{json_rows(conn, ':w', {**_RANGE, 'edges': 'json'})} w"
    if conn.dialect.name == "postgresql":
        below = "SELECT COUNT(*) FROM json_array_elements_text(w.edges) x(e) WHERE CAST(x.e AS float8) < o.value"
    else:
        below = "SELECT COUNT(*) FROM json_each(w.edges) x WHERE x.value < o.value"
    out: dict[tuple[int, str], list[int]] = {}
    for k, b, c in conn.execute(
        text(f"SELECT k, bin, COUNT(*) FROM (SELECT w.k AS k, ({below}) AS bin FROM {table} {_OUTPUTS_IN} "
             "WHERE o.value IS NOT NULL) q GROUP BY k, bin"),
        {"w": json.dumps(rows)},
    ):  # fmt: skip
        i, side = keys[int(k)]
        out.setdefault((i, side), [0] * (len(edges[i]) + 1))[int(b)] += int(c)
    return out


def _label_counts(conn: Connection, plans: list[_Plan], chosen: list[int]) -> dict[int, list[tuple[str, str, int]]]:
    """(side, label, count) of the reference and the current window of each chosen window."""
    if not chosen:
        return {}
    keys = [(i, side) for i in chosen for side in ("ref", "cur")]
    ranges = [(plans[i].task, *(plans[i].reference if s == "ref" else (plans[i].start, plans[i].end))) for i, s in keys]
    table, params = _ranges(conn, ranges)
    out: dict[int, list[tuple[str, str, int]]] = {}
    for k, label, c in conn.execute(
        text(f"SELECT w.k, o.label, COUNT(*) FROM {table} {_OUTPUTS_IN} WHERE o.label IS NOT NULL "
             "GROUP BY w.k, o.label"),
        params,
    ):  # fmt: skip
        i, side = keys[int(k)]
        out.setdefault(i, []).append((side, label, int(c)))
    return out


def _category_sides(plan: _Plan, rows: list[tuple[str, str, int]]) -> tuple[list[int], list[int]]:
    """Reference and current counts over the kept categories, as drift_series ranks them: a sliding reference
    shares the categories of both windows; a fixed one is mapped onto the current window's."""
    if not plan.fixed:
        categories, by_k = rank_categories([(0 if s == "ref" else 1, label, c) for s, label, c in rows])
        zero = [0] * len(categories)
        return by_k.get(0, zero), by_k.get(1, zero)
    categories, by_k = rank_categories([(0, label, c) for s, label, c in rows if s == "cur"])
    ref_categories, ref_k = rank_categories([(0, label, c) for s, label, c in rows if s == "ref"])
    lookup = dict(zip(ref_categories, ref_k.get(0, [0] * len(ref_categories)), strict=True))
    return [lookup.get(c, 0) for c in categories], by_k.get(0, [0] * len(categories))
