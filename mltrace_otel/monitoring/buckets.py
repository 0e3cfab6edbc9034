"""Per-minute sufficient statistics of a task's outputs and (output, feedback) pairs, kept current incrementally.

A window's accuracy, precision, recall, F1, MAE, RMSE, MAPE and log-loss are sums of these counts and sums over
its minutes (``task_metric_buckets``), so a metric over 24 hours reads at most 1,440 rows, whatever the number of
outputs. The outputs' own counts, value histogram and category counts per minute (``task_output_buckets``,
``task_label_buckets``) are what a Prometheus scrape and the task list add up. Ingest marks the minutes it
touched (write.py); :func:`refresh` recomputes just those, a few INSERT ... SELECT, before a read.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine, text

from mltrace_otel.monitoring.write import BUCKET_NS, lock_tasks
from mltrace_otel.store.bulk import begin_ingest

COUNTS = ("n", "n_correct", "tp", "fp", "fn", "tn", "n_num", "n_ape", "n_ll")
SUMS = ("sum_abs", "sum_sq", "sum_ape", "sum_ll")
STATS = COUNTS + SUMS
# Upper bounds of the output-value histogram buckets (+Inf is added): probabilities and scores in [0, 1] get
# tenths, larger values a 1-2.5-5 ladder. task_output_buckets keeps one cumulative count per bound (le_0...).
EDGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 10_000)
HISTOGRAM = tuple(f"le_{i}" for i in range(len(EDGES)))
OUTPUT_COLUMNS = ("n", "n_value", "sum_value", "first_ns", "last_ns", *HISTOGRAM)

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
    if pending is not None:
        _refresh([task], engine)


def refresh_all(engine: Engine) -> None:
    """Recompute every task's marked minutes: a bounded number of statements (one per 200 runs of marked
    minutes), whatever the number of tasks."""
    with engine.connect() as conn:
        tasks = sorted(r[0] for r in conn.execute(text("SELECT DISTINCT task FROM task_dirty_buckets")))
    if tasks:
        _refresh(tasks, engine)


def _refresh(tasks: list[str], engine: Engine) -> None:
    with engine.begin() as conn:
        begin_ingest(conn)
        lock_tasks(conn, tasks)
        _recompute(conn, tasks)


def _ranges(marks: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Sorted (task, minute start) marks merged into contiguous (task, start, end) ranges."""
    out: list[tuple[str, int, int]] = []
    for task, b in marks:
        if out and out[-1][0] == task and out[-1][2] == b:
            out[-1] = (task, out[-1][1], b + BUCKET_NS)
        else:
            out.append((task, b, b + BUCKET_NS))
    return out


_RANGES_PER_STATEMENT = 200
# An output's histogram bin: the index of the first bound it does not exceed; len(EDGES) above them all, -1 for
# a category (no value).
_BIN = (
    "CASE WHEN o.value IS NULL THEN -1 "
    + " ".join(f"WHEN o.value <= {e!r} THEN {i}" for i, e in enumerate(EDGES))
    + f" ELSE {len(EDGES)} END"
)
_CUMULATIVE = ", ".join(f"SUM(CASE WHEN bin >= 0 AND bin <= {i} THEN n ELSE 0 END)" for i in range(len(EDGES)))


def _recompute(conn: Connection, tasks: list[str]) -> None:
    names = {"names": json.dumps(tasks)}
    listed = json_list(conn, ":names")
    marks = [(str(r[0]), int(r[1])) for r in conn.execute(
        text(f"SELECT task, bucket_ns FROM task_dirty_buckets WHERE task IN ({listed}) ORDER BY task, bucket_ns"),
        names,
    )]  # fmt: skip
    ranges = _ranges(marks)
    # Ranges of the outputs' time, not a join against the marks: each is an index range scan whatever the
    # planner believes about table sizes (a join planned on stale statistics took 10 s for 1,440 minutes).
    for i in range(0, len(ranges), _RANGES_PER_STATEMENT):
        part = ranges[i : i + _RANGES_PER_STATEMENT]
        params: dict[str, object] = {}
        within_o, within_b = [], []
        for k, (t, a, b) in enumerate(part):
            params[f"t{k}"], params[f"a{k}"], params[f"b{k}"] = t, a, b
            within_o.append(f"(o.task = :t{k} AND o.ts_ns >= :a{k} AND o.ts_ns < :b{k})")
            within_b.append(f"(task = :t{k} AND bucket_ns >= :a{k} AND bucket_ns < :b{k})")
        outputs, minutes = " OR ".join(within_o), " OR ".join(within_b)
        bucket = f"o.ts_ns - o.ts_ns % {BUCKET_NS}"
        for table in ("task_metric_buckets", "task_output_buckets", "task_label_buckets", "task_class_buckets"):
            conn.execute(text(f"DELETE FROM {table} WHERE {minutes}"), params)
        conn.execute(
            text(
                f"INSERT INTO task_metric_buckets (task, bucket_ns, {', '.join(STATS)}) "
                f"SELECT task, bucket, {stats_select('ov', 'ol', 'fv', 'fl')} FROM ("
                f"SELECT o.task AS task, {bucket} AS bucket, o.value AS ov, o.label AS ol, f.value AS fv, "
                "f.label AS fl FROM task_outputs o "
                "JOIN task_feedback f ON f.task = o.task AND f.output_id = o.output_id "
                f"WHERE {outputs}) p GROUP BY task, bucket"
            ),
            params,
        )
        # Per class: the pairs' confusion counts per minute first (one join), then each (prediction, truth) cell
        # counted once for its predicted class (tp or fp) and once for its true class (fn), on those few rows.
        conn.execute(
            text(
                "INSERT INTO task_class_buckets (task, bucket_ns, class_key, tp, fp, fn) "
                "SELECT task, bucket, CASE WHEN s.side = 0 THEN pred ELSE truth END AS class_key, "
                "SUM(CASE WHEN s.side = 0 AND pred = truth THEN n ELSE 0 END), "
                "SUM(CASE WHEN s.side = 0 AND pred <> truth THEN n ELSE 0 END), "
                "SUM(CASE WHEN s.side = 1 AND pred <> truth THEN n ELSE 0 END) "
                f"FROM (SELECT task, bucket, {_class('ov', 'ol')} AS pred, {_class('fv', 'fl')} AS truth, n FROM ("
                f"SELECT o.task AS task, {bucket} AS bucket, o.value AS ov, o.label AS ol, f.value AS fv, "
                "f.label AS fl, COUNT(*) AS n FROM task_outputs o JOIN task_feedback f ON f.task = o.task "
                f"AND f.output_id = o.output_id WHERE {outputs} GROUP BY o.task, {bucket}, o.value, o.label, "
                "f.value, f.label) g) c CROSS JOIN (SELECT 0 AS side UNION ALL SELECT 1) s "
                "GROUP BY task, bucket, CASE WHEN s.side = 0 THEN pred ELSE truth END"
            ),
            params,
        )
        # The histogram: each output's bin (one CASE that stops at the first bound) per minute, then the
        # cumulative count at every bound from those few rows.
        conn.execute(
            text(
                f"INSERT INTO task_output_buckets (task, bucket_ns, {', '.join(OUTPUT_COLUMNS)}) "
                "SELECT task, bucket, SUM(n), SUM(n_value), SUM(sum_value), MIN(first_ns), MAX(last_ns), "
                f"{_CUMULATIVE} "
                f"FROM (SELECT o.task AS task, {bucket} AS bucket, {_BIN} AS bin, COUNT(*) AS n, "
                "COUNT(o.value) AS n_value, COALESCE(SUM(o.value), 0) AS sum_value, MIN(o.ts_ns) AS first_ns, "
                f"MAX(o.ts_ns) AS last_ns FROM task_outputs o WHERE {outputs} GROUP BY o.task, {bucket}, {_BIN}) h "
                "GROUP BY task, bucket"
            ),
            params,
        )
        conn.execute(
            text(
                f"INSERT INTO task_label_buckets (task, bucket_ns, label, n) SELECT o.task, {bucket}, o.label, "
                f"COUNT(*) FROM task_outputs o WHERE ({outputs}) AND o.label IS NOT NULL "
                f"GROUP BY o.task, {bucket}, o.label"
            ),
            params,
        )
    conn.execute(text(f"DELETE FROM task_dirty_buckets WHERE task IN ({listed})"), names)


def _class(value: str, label: str) -> str:
    """A pair side's class: its category, else its number (as text, the same way for both sides)."""
    return f"COALESCE('l' || {label}, 'v' || CAST({value} AS TEXT), '')"


def json_list(conn: Connection, param: str) -> str:
    """A subquery of the strings of a JSON array bound to ``param``."""
    if conn.dialect.name == "postgresql":
        return f"SELECT json_array_elements_text(CAST({param} AS json))"
    return f"SELECT value FROM json_each({param})"


def json_rows(conn: Connection, param: str, fields: dict[str, str]) -> str:
    """A derived table of the objects of a JSON array bound to ``param``: one column per field, of the given SQL
    type ("text", "bigint", "float8"; "json" for a nested array): a list of per-task arguments in one statement."""
    if conn.dialect.name == "postgresql":
        cols = ", ".join(
            (f"e->'{f}'" if t == "json" else f"CAST(e->>'{f}' AS {t})") + f" AS {f}" for f, t in fields.items()
        )
        return f"(SELECT {cols} FROM json_array_elements(CAST({param} AS json)) e)"
    cols = ", ".join(f"json_extract(value, '$.{f}') AS {f}" for f in fields)
    return f"(SELECT {cols} FROM json_each({param}))"
