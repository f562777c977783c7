"""Transferability from fixed features and target labels alone (no source head): H-score and k-NN accuracy.

H-score (Bao et al., ICIP 2019): tr(cov(f)^-1 cov(E[f | y])), how much of the features' variance lies between the
target classes; the feature covariance is Ledoit-Wolf shrunk (the regularized H-score of Ibrahim et al., ICLR 2023),
since with few labelled images per class it is singular. k-NN: cross-validated accuracy of a cosine k-nearest-
neighbour classifier on the features (LogME and the linear probe are in logme.py and probe.py).
"""

from __future__ import annotations

import numpy as np
from sklearn.covariance import LedoitWolf
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from .probe import MAX_FOLDS

NEIGHBOURS = 5


def h_score(features: np.ndarray, labels: np.ndarray) -> float:
    """Regularized H-score of features (N, D) for integer labels (N,); higher is better."""
    f = np.asarray(features, np.float64)
    f = f - f.mean(axis=0)
    labels = np.asarray(labels)
    covariance = LedoitWolf(assume_centered=True).fit(f).covariance_
    means = np.zeros_like(f)
    for k in np.unique(labels):
        means[labels == k] = f[labels == k].mean(axis=0)
    between = means.T @ means / len(f)
    return float(np.trace(np.linalg.solve(covariance, between)))


def knn_accuracy(features: np.ndarray, labels: np.ndarray, *, seed: int = 0) -> float | None:
    """Cross-validated accuracy of a cosine k-NN (k = 5, or fewer than a fold's smallest class allows); None with
    fewer than 2 images per class."""
    labels = np.asarray(labels)
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    folds = int(min(MAX_FOLDS, counts.min())) if len(counts) else 0
    if folds < 2 or len(counts) < 2:
        return None
    smallest_training_fold = len(labels) - -(-len(labels) // folds)
    model = KNeighborsClassifier(n_neighbors=min(NEIGHBOURS, smallest_training_fold), metric="cosine")
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return float(cross_val_score(model, np.asarray(features, np.float64), labels, cv=split).mean())
