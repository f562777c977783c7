"""Classification metrics: accuracy, balanced accuracy, macro-F1 and top-5 accuracy (fractions), per-class accuracy
and the confusion matrix.

Balanced accuracy and macro-F1 come from scikit-learn. Balanced accuracy is the mean over the classes present in the
labels of each class's accuracy (recall); macro-F1 the unweighted mean F1 over the classes present in the labels or
the predictions. Top-5 accuracy (the label among the five highest scores) is defined only with more than 5 classes:
with 5 or fewer every label is in the top five, so it is recorded as None and cannot be chosen to select on.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import balanced_accuracy_score, f1_score

TOP_K = 5
# the metrics every run records, by the name users choose them with (--metric) and their key in run.json
METRIC_KEYS = {"accuracy": "accuracy", "balanced-accuracy": "balanced_accuracy", "macro-f1": "macro_f1",
               "top5": "top5_accuracy"}


def top_k_accuracy(labels: np.ndarray, scores: np.ndarray | None, k: int = TOP_K) -> float | None:
    """The fraction of images whose label is among the k highest scores; None with k or fewer classes or no scores."""
    if scores is None or scores.ndim != 2 or scores.shape[1] <= k or not len(labels):
        return None
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def classification_metrics(labels: np.ndarray, predictions: np.ndarray, classes: list[str],
                           scores: np.ndarray | None = None) -> dict:
    """{'accuracy', 'balanced_accuracy', 'macro_f1', 'top5_accuracy', 'images', 'per_class_accuracy': {class:
    fraction or None}, 'confusion_matrix': rows=true, cols=predicted}; `scores` (N, classes) give top-5 accuracy."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    k = len(classes)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    totals = matrix.sum(axis=1)
    per_class = {
        name: (float(matrix[i, i] / totals[i]) if totals[i] else None) for i, name in enumerate(classes)
    }
    empty = not len(labels)
    accuracy = float((labels == predictions).mean()) if not empty else float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # a class never predicted has F1 0, as documented
        balanced = float("nan") if empty else float(balanced_accuracy_score(labels, predictions))
        macro_f1 = float("nan") if empty else float(f1_score(labels, predictions, average="macro", zero_division=0))
    return {
        "accuracy": accuracy,
        "balanced_accuracy": balanced,
        "macro_f1": macro_f1,
        "top5_accuracy": top_k_accuracy(labels, None if scores is None else np.asarray(scores, dtype=np.float64)),
        "images": int(len(labels)),
        "per_class_accuracy": per_class,
        "confusion_matrix": matrix.tolist(),
    }
