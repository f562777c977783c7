"""Linear-probe accuracy: how well a stage's pooled features predict the target labels (scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MAX_FOLDS = 3


def probe_accuracy(features: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> float | None:
    """Cross-validated accuracy of a standardized multinomial logistic regression; None with < 2 images per class."""
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    folds = int(min(MAX_FOLDS, counts.min())) if len(counts) else 0
    if folds < 2 or len(counts) < 2:
        return None
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(cross_val_score(model, features.astype(np.float64), labels, cv=split).mean())
