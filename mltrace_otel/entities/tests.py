"""Ready-made data tests for components (mltrace 0.17's ``mltrace.entities.tests``)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from mltrace_otel.instrument.component import Test


def _columns(data: Any) -> list[list[float]]:
    """Numeric columns of a table given as a sequence of numbers (one column) or of rows."""
    rows = list(data)
    if not rows:
        return []
    if all(isinstance(r, int | float) for r in rows):
        return [[float(r) for r in rows]]
    if all(isinstance(r, Sequence) and not isinstance(r, str) for r in rows):
        return [
            [float(v) for v in column if isinstance(v, int | float) and not math.isnan(v)]
            for column in zip(*rows, strict=False)
        ]
    raise TypeError(f"cannot read numeric columns from {type(data).__name__}")


def _outliers(column: Iterable[float], cutoff: float) -> int:
    values = list(column)
    if len(values) < 2:
        return 0
    mean, spread = statistics.fmean(values), statistics.stdev(values)
    return 0 if spread == 0 else sum(abs(v - mean) / spread > cutoff for v in values)


class OutliersTest(Test):
    """No value lies more than ``stdev_cutoff`` standard deviations from its column's mean."""

    def __init__(self) -> None:
        super().__init__("Outliers")

    def testZscore(self, df: Any, stdev_cutoff: float = 5.0) -> None:  # mltrace's name
        """``df``: a pandas DataFrame (its numeric columns, NaN skipped), a list of numbers, or a list of rows."""
        if hasattr(df, "select_dtypes"):  # pandas: vectorised, as mltrace computed it
            numeric = df.select_dtypes("number")
            z = ((numeric - numeric.mean(axis=0, skipna=True)) / numeric.std(axis=0, skipna=True)).abs()
            found = int((z > stdev_cutoff).to_numpy().sum())
        else:
            found = sum(_outliers(column, stdev_cutoff) for column in _columns(df))
        if found:
            raise AssertionError(f"{found} value(s) lie more than {stdev_cutoff} standard deviations from the mean")
