"""Class-conditional shift: how far each class's features moved between source and target, relative to how
spread out a class is. Sees shifts that leave the mixture of all classes in place (a class drawn from another
sub-population), which a marginal measure can miss; needs target classes that are source classes."""

from __future__ import annotations

import numpy as np

MIN_PER_CLASS = 2


def class_shift(source: np.ndarray, source_labels: np.ndarray, target: np.ndarray,
                target_labels: np.ndarray) -> float | None:
    """Mean over shared classes of the unbiased squared distance between the class means, divided by the mean
    within-class variance (trace). Labels are ids in one shared numbering; None when no class has 2 images on
    both sides. About 0 for two samples of one distribution; 1 means the means moved by a class's typical spread."""
    distances, spreads = [], []
    for c in np.intersect1d(np.unique(source_labels), np.unique(target_labels)):
        a, b = source[source_labels == c].astype(np.float64), target[target_labels == c].astype(np.float64)
        if len(a) < MIN_PER_CLASS or len(b) < MIN_PER_CLASS:
            continue
        var_a, var_b = a.var(0, ddof=1).sum(), b.var(0, ddof=1).sum()
        distances.append(((a.mean(0) - b.mean(0)) ** 2).sum() - var_a / len(a) - var_b / len(b))
        spreads.append((var_a + var_b) / 2)
    if not distances:
        return None
    return float(np.mean(distances) / max(np.mean(spreads), 1e-12))
