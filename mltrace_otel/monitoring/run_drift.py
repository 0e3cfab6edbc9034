"""Which runs made outputs that fall in a drifted window: the drift badge on a run (inspector, lineage graph).

A run's outputs are the task outputs logged in its span (``span_id``). Each falls in a window of the task's
drift period (an hour, aligned to the clock: 10:00-11:00 UTC); the run is marked for every such window whose
drift against the task's reference is above the task's threshold. For any number of runs: one statement finds
their windows, then :func:`latest_drift.window_drifts` scores every distinct (task, window) in five.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from mltrace_otel.monitoring.buckets import json_list
from mltrace_otel.monitoring.drift import DEFAULT_WINDOW_S, NS, DriftPoint
from mltrace_otel.monitoring.latest_drift import window_drifts
from mltrace_otel.monitoring.write import BUCKET_NS


@dataclass(frozen=True)
class RunDrift:
    task: str
    window: DriftPoint
    outputs: int  # the run's outputs in the window


def drifted_runs(
    conn: Connection, run_ids: Sequence[str], *, window_s: float = DEFAULT_WINDOW_S
) -> dict[str, list[RunDrift]]:
    """Every run id with the drifted windows its outputs fall in (an empty list when none), by task and time."""
    out: dict[str, list[RunDrift]] = {r: [] for r in run_ids}
    if not run_ids:
        return out
    step = max(BUCKET_NS, int(window_s * NS) // BUCKET_NS * BUCKET_NS)
    found = conn.execute(
        text(f"SELECT span_id, task, ts_ns - ts_ns % {step} AS w, COUNT(*) FROM task_outputs "
             f"WHERE span_id IN ({json_list(conn, ':ids')}) GROUP BY span_id, task, ts_ns - ts_ns % {step}"),
        {"ids": json.dumps(list(run_ids))},
    ).all()  # fmt: skip
    windows = sorted({(str(task), int(w)) for _, task, w, _ in found})
    # A window [w, w + step) is the one ending at the minute boundary after its last minute.
    points = dict(zip(windows, window_drifts(conn, [(t, w + step - BUCKET_NS) for t, w in windows],
                                             window_s=window_s), strict=True))  # fmt: skip
    for run_id, task, w, count in sorted(found, key=lambda r: (r[1], r[2])):
        point = points[(str(task), int(w))]
        if point.drifted and run_id in out:
            out[run_id].append(RunDrift(str(task), point, int(count)))
    return out
