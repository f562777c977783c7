"""Weights for the stored source features so that their class mix matches the target's.

A target that holds a few of the source's classes differs from the source as a whole even when nothing shifted;
comparing it with the source features of the same classes (in the same proportions) keeps that from being
mistaken for a shift. When every target class is a source class (by name) the target labels give the weights;
otherwise the source head's predicted classes do, for both sides (as in black-box shift estimation, without its
confusion-matrix correction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_EFFECTIVE = 30  # fewer effective source images than this: compare with the unweighted source instead


@dataclass
class PriorMatch:
    weights: np.ndarray  # (n_source_sample,) >= 0
    method: str  # "class names", "source-head predictions" or "none"
    effective_images: float

    def to_dict(self) -> dict:
        return {"method": self.method, "effective_source_images": round(self.effective_images, 1)}


def _proportions(ids: np.ndarray, size: int) -> np.ndarray:
    counts = np.bincount(ids[ids >= 0], minlength=size).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def _effective(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / max((w**2).sum(), 1e-300))


def match_priors(source_labels: np.ndarray, source_predicted: np.ndarray, source_classes: list[str],
                 target_classes: list[str], target_labels: np.ndarray, target_predicted: np.ndarray) -> PriorMatch:
    """Weights w_i = p_target(k_i) / p_source(k_i) of each source image, k its class (or predicted class)."""
    position = {name: i for i, name in enumerate(source_classes)}
    size = max(len(source_classes), int(source_predicted.max(initial=0)) + 1, int(target_predicted.max(initial=0)) + 1)
    if target_classes and all(name in position for name in target_classes):
        method, source_ids = "class names", source_labels
        target_ids = np.array([position[target_classes[t]] for t in target_labels], dtype=np.int64)
    else:
        method, source_ids, target_ids = "source-head predictions", source_predicted, target_predicted
    p_source, p_target = _proportions(source_ids, size), _proportions(target_ids, size)
    ratio = np.divide(p_target, p_source, out=np.zeros(size), where=p_source > 0)
    weights = ratio[source_ids]
    effective = _effective(weights) if weights.sum() > 0 else 0.0
    if effective < MIN_EFFECTIVE:
        uniform = np.ones(len(source_ids))
        return PriorMatch(uniform, "none", _effective(uniform))
    return PriorMatch(weights, method, effective)
