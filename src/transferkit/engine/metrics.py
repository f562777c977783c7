"""Classification metrics: accuracy (a fraction), per-class accuracy and the confusion matrix."""

from __future__ import annotations

import numpy as np


def classification_metrics(labels: np.ndarray, predictions: np.ndarray, classes: list[str]) -> dict:
    """{'accuracy', 'per_class_accuracy': {class: fraction or None}, 'confusion_matrix': rows=true, cols=predicted}."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    k = len(classes)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    totals = matrix.sum(axis=1)
    per_class = {
        name: (float(matrix[i, i] / totals[i]) if totals[i] else None) for i, name in enumerate(classes)
    }
    accuracy = float((labels == predictions).mean()) if len(labels) else float("nan")
    return {
        "accuracy": accuracy,
        "images": int(len(labels)),
        "per_class_accuracy": per_class,
        "confusion_matrix": matrix.tolist(),
    }
