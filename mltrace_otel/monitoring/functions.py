"""Metric functions over ``(y_true, y_pred)`` lists, under mltrace's (scikit-learn's) names, in plain Python.

mltrace imported scikit-learn for these; a monitoring client should not need it. Binary metrics take 1 as the
positive class, as scikit-learn does by default; ``precision_macro``, ``f1_weighted``... average over classes as
its ``average=`` does (a class's undefined score counts 0, as its ``zero_division`` default). Where a metric is
undefined (ROC AUC with one class present, binary precision with no positive prediction) the answer is NaN rather
than an exception: a window that happens to hold one class is not an error in a pipeline.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

Values = Sequence[Any]
NAN = float("nan")


def _check(y_true: Values, y_pred: Values) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} values and y_pred {len(y_pred)}")


def accuracy(y_true: Values, y_pred: Values) -> float:
    _check(y_true, y_pred)
    return sum(t == p for t, p in zip(y_true, y_pred, strict=True)) / len(y_true) if y_true else NAN


def _confusion(y_true: Values, y_pred: Values) -> tuple[int, int, int]:
    _check(y_true, y_pred)
    tp = sum(t == 1 and p == 1 for t, p in zip(y_true, y_pred, strict=True))
    fp = sum(t != 1 and p == 1 for t, p in zip(y_true, y_pred, strict=True))
    fn = sum(t == 1 and p != 1 for t, p in zip(y_true, y_pred, strict=True))
    return tp, fp, fn


def _ratio(num: float, den: float) -> float:
    return num / den if den else NAN


def precision(y_true: Values, y_pred: Values) -> float:
    tp, fp, _ = _confusion(y_true, y_pred)
    return _ratio(tp, tp + fp)


def recall(y_true: Values, y_pred: Values) -> float:
    tp, _, fn = _confusion(y_true, y_pred)
    return _ratio(tp, tp + fn)


def f1(y_true: Values, y_pred: Values) -> float:
    tp, fp, fn = _confusion(y_true, y_pred)
    return _ratio(2 * tp, 2 * tp + fp + fn)


AVERAGES = ("macro", "micro", "weighted")


def class_counts(y_true: Values, y_pred: Values) -> list[tuple[int, int, int]]:
    """(tp, fp, fn) of every class seen in y_true or y_pred (scikit-learn's default label set)."""
    _check(y_true, y_pred)
    counts: dict[Any, list[int]] = {}
    for t, p in zip(y_true, y_pred, strict=True):
        if t == p:
            counts.setdefault(p, [0, 0, 0])[0] += 1
        else:
            counts.setdefault(p, [0, 0, 0])[1] += 1
            counts.setdefault(t, [0, 0, 0])[2] += 1
    return [(tp, fp, fn) for tp, fp, fn in counts.values()]


def _per_class(metric: str, tp: int, fp: int, fn: int) -> float:
    num, den = {"precision": (tp, tp + fp), "recall": (tp, tp + fn), "f1": (2 * tp, 2 * tp + fp + fn)}[metric]
    return num / den if den else 0.0  # scikit-learn's zero_division default: 0 (with a warning)


def averaged(metric: str, average: str, counts: Sequence[tuple[int, int, int]]) -> float:
    """Multi-class precision, recall or F1 from per-class (tp, fp, fn), as scikit-learn's ``average=``: "macro"
    (the unweighted mean over classes), "weighted" (weighted by each class's true count) or "micro" (from the
    summed counts: for single-label data, equal to accuracy). NaN with no pairs."""
    if not counts:
        return NAN
    if average == "micro":
        tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
        return _per_class(metric, tp, fp, fn)
    scores = [_per_class(metric, *c) for c in counts]
    if average == "macro":
        return sum(scores) / len(scores)
    support = [tp + fn for tp, _, fn in counts]
    return sum(s * w for s, w in zip(scores, support, strict=True)) / sum(support)


def _averaged_fn(metric: str, average: str) -> Callable[[Values, Values], float]:
    def fn(y_true: Values, y_pred: Values) -> float:
        return averaged(metric, average, class_counts(y_true, y_pred))

    fn.__name__ = f"{metric}_{average}"
    return fn


AVERAGED = {f"{m}_{a}": _averaged_fn(m, a) for m in ("precision", "recall", "f1") for a in AVERAGES}


def roc_auc(y_true: Values, y_score: Values) -> float:
    """The Mann-Whitney statistic: the chance a random positive scores above a random negative (ties count half)."""
    _check(y_true, y_score)
    order = sorted(range(len(y_score)), key=lambda i: float(y_score[i]))
    ranks = [0.0] * len(order)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and float(y_score[order[j + 1]]) == float(y_score[order[i]]):
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = [r for r, t in zip(ranks, y_true, strict=True) if t == 1]
    n_pos, n_neg = len(positives), len(y_true) - len(positives)
    if not n_pos or not n_neg:
        return NAN
    return (sum(positives) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def log_loss(y_true: Values, y_prob: Values, eps: float = 1e-15) -> float:
    _check(y_true, y_prob)
    total = 0.0
    for t, p in zip(y_true, y_prob, strict=True):
        q = min(max(float(p), eps), 1 - eps)
        total -= math.log(q) if t == 1 else math.log(1 - q)
    return _ratio(total, len(y_true))


def _errors(y_true: Values, y_pred: Values) -> list[float]:
    _check(y_true, y_pred)
    return [float(p) - float(t) for t, p in zip(y_true, y_pred, strict=True)]


def mean_absolute_error(y_true: Values, y_pred: Values) -> float:
    errors = _errors(y_true, y_pred)
    return _ratio(sum(abs(e) for e in errors), len(errors))


def mean_squared_error(y_true: Values, y_pred: Values) -> float:
    errors = _errors(y_true, y_pred)
    return _ratio(sum(e * e for e in errors), len(errors))


def root_mean_squared_error(y_true: Values, y_pred: Values) -> float:
    return math.sqrt(mean_squared_error(y_true, y_pred))


def mean_absolute_percentage_error(y_true: Values, y_pred: Values) -> float:
    """Over the pairs whose truth is not 0 (scikit-learn divides by a tiny epsilon instead, which explodes)."""
    kept = [(float(t), float(p)) for t, p in zip(y_true, y_pred, strict=True) if float(t) != 0]
    return _ratio(sum(abs((p - t) / t) for t, p in kept), len(kept))


def median_absolute_error(y_true: Values, y_pred: Values) -> float:
    errors = sorted(abs(e) for e in _errors(y_true, y_pred))
    if not errors:
        return NAN
    mid = len(errors) // 2
    return errors[mid] if len(errors) % 2 else (errors[mid - 1] + errors[mid]) / 2


def _variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def r2(y_true: Values, y_pred: Values) -> float:
    errors = _errors(y_true, y_pred)
    if not errors:
        return NAN
    return 1 - _ratio(sum(e * e for e in errors) / len(errors), _variance([float(t) for t in y_true]))


def explained_variance(y_true: Values, y_pred: Values) -> float:
    errors = _errors(y_true, y_pred)
    if not errors:
        return NAN
    return 1 - _ratio(_variance(errors), _variance([float(t) for t in y_true]))


def confusion_matrix(y_true: Values, y_pred: Values) -> list[list[int]]:
    """Rows are true classes, columns predicted ones, both in sorted order of every class seen."""
    _check(y_true, y_pred)
    classes = sorted(set(y_true) | set(y_pred), key=lambda c: (str(type(c)), c))
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for t, p in zip(y_true, y_pred, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def mutual_info_score(y_true: Values, y_pred: Values) -> float:
    """Mutual information of the two labelings, in nats."""
    _check(y_true, y_pred)
    n = len(y_true)
    if not n:
        return NAN
    joint = Counter(zip(y_true, y_pred, strict=True))
    a, b = Counter(y_true), Counter(y_pred)
    return sum(c / n * math.log(c * n / (a[t] * b[p])) for (t, p), c in joint.items())


MetricFn = Callable[[Values, Values], Any]

# mltrace's names (its supported_sklearn_metrics), then ours.
FUNCTIONS: dict[str, MetricFn] = {
    "accuracy": accuracy,
    "precision": precision,
    "recall": recall,
    "f1": f1,
    "roc_auc": roc_auc,
    "mean_absolute_error": mean_absolute_error,
    "mean_squared_error": mean_squared_error,
    "median_absolute_error": median_absolute_error,
    "r2": r2,
    "explained_variance": explained_variance,
    "confusion_matrix": confusion_matrix,
    "mutual_info_score": mutual_info_score,
}
MLTRACE_NAMES = tuple(FUNCTIONS)
FUNCTIONS.update(
    {
        "log_loss": log_loss,
        "mae": mean_absolute_error,
        "mse": mean_squared_error,
        "rmse": root_mean_squared_error,
        "mape": mean_absolute_percentage_error,
        **AVERAGED,
    }
)
