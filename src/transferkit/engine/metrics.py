"""Classification metrics: accuracy, balanced accuracy, macro-F1 and top-5 accuracy (fractions), per-class accuracy
and the confusion matrix.

They come from scikit-learn's metrics (per-class accuracy: the confusion matrix's diagonal over its rows). Balanced
accuracy is the mean over the classes present in the labels of each class's accuracy (recall); macro-F1 the
unweighted mean F1 over the classes present in the labels or the predictions. Top-5 accuracy (the label among the
five highest scores) is defined only with more than 5 classes: with 5 or fewer every label is in the top five, so it
is recorded as None and cannot be chosen to select on.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             top_k_accuracy_score)

TOP_K = 5


def top_k_accuracy(labels: np.ndarray, scores: np.ndarray | None, k: int = TOP_K) -> float | None:
    """The fraction of images whose label is among the k highest scores (of exactly tied scores, the higher class
    index ranks first); None with k or fewer classes or no scores."""
    if scores is None or scores.ndim != 2 or scores.shape[1] <= k or not len(labels):
        return None
    # scikit-learn refuses non-finite scores: a NaN ranks lowest, an infinity highest or lowest
    lowest, highest = np.finfo(np.float64).min, np.finfo(np.float64).max
    finite = np.nan_to_num(scores, nan=lowest, posinf=highest, neginf=lowest)
    return float(top_k_accuracy_score(labels, finite, k=k, labels=np.arange(scores.shape[1])))


def classification_metrics(labels: np.ndarray, predictions: np.ndarray, classes: list[str],
                           scores: np.ndarray | None = None) -> dict:
    """{'accuracy', 'balanced_accuracy', 'macro_f1', 'top5_accuracy', 'images', 'per_class_accuracy': {class:
    fraction or None}, 'confusion_matrix': rows=true, cols=predicted}; `scores` (N, classes) give top-5 accuracy."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    k = len(classes)
    empty = not len(labels)
    # scikit-learn refuses an empty split; its matrix is all zeros
    matrix = np.zeros((k, k), dtype=np.int64) if empty else confusion_matrix(labels, predictions, labels=np.arange(k))
    totals = matrix.sum(axis=1)
    per_class = {
        name: (float(matrix[i, i] / totals[i]) if totals[i] else None) for i, name in enumerate(classes)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # a class never predicted has F1 0, as documented
        accuracy = float("nan") if empty else float(accuracy_score(labels, predictions))
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
