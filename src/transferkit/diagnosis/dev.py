"""Model selection without target labels: importance-weighted validation with a control variate (DEV, You et al.,
Towards Accurate Model Selection in Deep Unsupervised Domain Adaptation, ICML 2019).

The validation losses of labelled source images are weighted by the density ratio w(x) = p_target(x) /
p_source(x) of their features (from a domain classifier between the source's training features and the unlabelled
target features), which makes their mean an unbiased estimate of the target risk; the control variate
eta (mean(w) - 1), with eta = -Cov(w L, w) / Var(w), lowers its variance (the paper's equation 8).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .domain_classifier import density_ratio

MAX_FIT = 1_000  # images per domain for the domain classifier
# Importance weighting needs overlap between the domains. Where the domain classifier separates them, a handful of
# source images carry the weight (Kish's effective sample size collapses) or the weights lose their mean of 1
# (E_source[w] = 1 for a true density ratio), and the estimate says nothing about the target.
MIN_EFFECTIVE_FRACTION = 0.1  # of the validation images
WEIGHT_MEAN_RANGE = (1 / 3, 3.0)


@dataclass
class DeepEmbeddedValidation:
    risk: float  # the estimated target risk (cross-entropy); lower is better
    weighted_risk: float  # mean(w L) without the control variate
    eta: float
    weight_mean: float
    weight_max: float
    effective_images: float

    def to_dict(self) -> dict:
        return {k: round(v, 6) for k, v in asdict(self).items()}


def dev_risk(weights: np.ndarray, losses: np.ndarray) -> DeepEmbeddedValidation:
    """The DEV estimate from per-image weights and losses of the validation images."""
    w = np.asarray(weights, dtype=np.float64)
    weighted = w * np.asarray(losses, dtype=np.float64)
    var = w.var(ddof=1) if len(w) > 1 else 0.0
    eta = -float(np.cov(weighted, w, ddof=1)[0, 1] / var) if var > 0 else 0.0
    risk = float(weighted.mean() + eta * w.mean() - eta)
    effective = float(w.sum() ** 2 / max((w**2).sum(), 1e-300))
    return DeepEmbeddedValidation(risk, float(weighted.mean()), eta, float(w.mean()), float(w.max()), effective)


def dev_problem(dev: dict, images: int) -> str | None:
    """Why a recorded DEV estimate (`to_dict()` form) over `images` validation images cannot be trusted; None if
    it can."""
    effective, mean = dev.get("effective_images"), dev.get("weight_mean")
    if effective is not None and effective < MIN_EFFECTIVE_FRACTION * images:
        return (f"{effective:.1f} of {images} source validation images carry its weight (effective sample size "
                f"under {MIN_EFFECTIVE_FRACTION:.0%}): the domains barely overlap")
    low, high = WEIGHT_MEAN_RANGE
    if mean is not None and not low <= mean <= high:
        return f"its density ratios average {mean:.3g} instead of about 1: the domain classifier separates the domains"
    return None


def dev_weights(source_train: np.ndarray, target: np.ndarray, validation: np.ndarray, seed: int = 0) -> np.ndarray:
    """Density ratios of the validation images, from (subsamples of) the source's training and the target's features."""
    rng = np.random.default_rng(seed)

    def cap(x: np.ndarray) -> np.ndarray:
        return x if len(x) <= MAX_FIT else x[np.sort(rng.choice(len(x), MAX_FIT, replace=False))]

    return density_ratio(cap(source_train), cap(target), validation)

