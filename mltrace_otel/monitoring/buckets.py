"""Per-minute sufficient statistics of a task's (output, feedback) pairs, kept current incrementally in SQL.

A window's accuracy, precision, recall, F1, MAE, RMSE, MAPE and log-loss are sums of these counts and sums over
its minutes, so a metric over 24 hours reads at most 1,440 rows, whatever the number of outputs. Ingest marks
the minutes it touched (write.py); :func:`refresh` recomputes just those, in one INSERT ... SELECT, before a read.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from mltrace_otel.monitoring.write import BUCKET_NS, lock_tasks
from mltrace_otel.store.bulk import begin_ingest

COUNTS = ("n", "n_correct", "tp", "fp", "fn", "tn", "n_num", "n_ape", "n_ll")
SUMS = ("sum_abs", "sum_sq", "sum_ape", "sum_ll")
STATS = COUNTS + SUMS

_EPS = "1e-15"


def stats_select(ov: str, ol: str, fv: str, fl: str) -> str:
    """The statistics of a set of pairs, as a select list over output value/label and feedback value/label.

    Binary precision/recall count 1 as the positive class (scikit-learn's default); log-loss takes an output in
    [0, 1] as the probability of class 1, for feedback 0 or 1."""
    prob = f"{ov} >= 0 AND {ov} <= 1"
    low = f"CASE WHEN {ov} < {_EPS} THEN {_EPS} ELSE {ov} END"
    high = f"CASE WHEN {ov} > 1 - {_EPS} THEN {_EPS} ELSE 1 - {ov} END"
    parts = {
        "n": "COUNT(*)",
        "n_correct": f"SUM(CASE WHEN {ov} = {fv} OR {ol} = {fl} THEN 1 ELSE 0 END)",
        "tp": f"SUM(CASE WHEN {ov} = 1 AND {fv} = 1 THEN 1 ELSE 0 END)",
        "fp": f"SUM(CASE WHEN {ov} = 1 AND {fv} <> 1 THEN 1 ELSE 0 END)",
        "fn": f"SUM(CASE WHEN {ov} <> 1 AND {fv} = 1 THEN 1 ELSE 0 END)",
        "tn": f"SUM(CASE WHEN {ov} <> 1 AND {fv} <> 1 THEN 1 ELSE 0 END)",
        "n_num": f"COUNT({ov} - {fv})",
        "n_ape": f"SUM(CASE WHEN {fv} <> 0 AND {ov} IS NOT NULL THEN 1 ELSE 0 END)",
        "n_ll": f"SUM(CASE WHEN {fv} IN (0, 1) AND {prob} THEN 1 ELSE 0 END)",
        "sum_abs": f"COALESCE(SUM(ABS({ov} - {fv})), 0)",
        "sum_sq": f"COALESCE(SUM(({ov} - {fv}) * ({ov} - {fv})), 0)",
        "sum_ape": f"COALESCE(SUM(CASE WHEN {fv} <> 0 THEN ABS(({ov} - {fv}) / {fv}) END), 0)",
        "sum_ll": f"COALESCE(SUM(CASE WHEN {fv} = 1 AND {prob} THEN -LN({low}) "
        f"WHEN {fv} = 0 AND {prob} THEN -LN({high}) END), 0)",
    }
    return ", ".join(f"CAST({parts[s]} AS {'BIGINT' if s in COUNTS else 'DOUBLE PRECISION'}) AS {s}" for s in STATS)


def refresh(engine: Engine, task: str) -> None:
    """Recompute the task's marked minutes (a no-op read when nothing changed since the last call)."""
    with engine.connect() as conn:
        pending = conn.execute(text("SELECT 1 FROM task_dirty_buckets WHERE task = :t LIMIT 1"), {"t": task}).first()
    if pending is None:
        return
    with engine.begin() as conn:
        begin_ingest(conn)
        lock_tasks(conn, [task])
        _recompute(conn, task)


def _ranges(buckets: list[int]) -> list[tuple[int, int]]:
    """Sorted minute starts merged into contiguous [start, end) ranges."""
    out: list[tuple[int, int]] = []
    for b in buckets:
        if out and out[-1][1] == b:
            out[-1] = (out[-1][0], b + BUCKET_NS)
        else:
            out.append((b, b + BUCKET_NS))
    return out


_RANGES_PER_STATEMENT = 200


def _recompute(conn: Connection, task: str) -> None:
    dirty = [int(r[0]) for r in conn.execute(
        text("SELECT bucket_ns FROM task_dirty_buckets WHERE task = :t ORDER BY bucket_ns"), {"t": task}
    )]  # fmt: skip
    ranges = _ranges(dirty)
    # Ranges of the outputs' time, not a join against the marks: each is an index range scan whatever the
    # planner believes about table sizes (a join planned on stale statistics took 10 s for 1,440 minutes).
    for i in range(0, len(ranges), _RANGES_PER_STATEMENT):
        part = ranges[i : i + _RANGES_PER_STATEMENT]
        params: dict[str, object] = {"t": task}
        within_o, within_b = [], []
        for k, (a, b) in enumerate(part):
            params[f"a{k}"], params[f"b{k}"] = a, b
            within_o.append(f"(o.ts_ns >= :a{k} AND o.ts_ns < :b{k})")
            within_b.append(f"(bucket_ns >= :a{k} AND bucket_ns < :b{k})")
        conn.execute(text(f"DELETE FROM task_metric_buckets WHERE task = :t AND ({' OR '.join(within_b)})"), params)
        conn.execute(
            text(
                f"INSERT INTO task_metric_buckets (task, bucket_ns, {', '.join(STATS)}) "
                f"SELECT :t, bucket, {stats_select('ov', 'ol', 'fv', 'fl')} FROM ("
                f"SELECT o.ts_ns - o.ts_ns % {BUCKET_NS} AS bucket, o.value AS ov, o.label AS ol, f.value AS fv, "
                "f.label AS fl FROM task_outputs o "
                "JOIN task_feedback f ON f.task = o.task AND f.output_id = o.output_id "
                f"WHERE o.task = :t AND ({' OR '.join(within_o)})) p GROUP BY bucket"
            ),
            params,
        )
    conn.execute(text("DELETE FROM task_dirty_buckets WHERE task = :t"), {"t": task})
