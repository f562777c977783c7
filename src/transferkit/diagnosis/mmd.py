"""Linear-kernel maximum mean discrepancy between source and target features (Gretton et al. 2012)."""

from __future__ import annotations

import numpy as np


def linear_mmd(source: np.ndarray, target: np.ndarray, *, scale: np.ndarray,
               source_weight: np.ndarray | None = None) -> float:
    """Unbiased squared linear-kernel MMD per dimension, on features divided by `scale` (the source std).

    ||mean_s - mean_t||^2 / D, minus the part that sampling noise alone adds in expectation (the traces of both
    means' covariances), so that two samples of one distribution score about 0 at any sample size.
    """
    scale = np.where(scale > 0, scale, 1.0)
    xs, xt = source / scale, target / scale
    ws = np.ones(len(xs)) if source_weight is None else np.asarray(source_weight, dtype=np.float64)
    ws = ws / ws.sum()
    mean_s, mean_t = ws @ xs, xt.mean(0)
    var_s = ws @ (xs - mean_s) ** 2
    noise = var_s.sum() * float((ws**2).sum()) + xt.var(0, ddof=1).sum() / len(xt)
    return float((((mean_s - mean_t) ** 2).sum() - noise) / xs.shape[1])
