"""LogME: the log maximum evidence of a linear model on fixed features (You et al., ICML 2021).

No library in our dependencies provides it, so it is written out here from the paper. For each class k, the one-hot
column y_k is modelled as y = F w + noise, with prior w ~ N(0, alpha^-1 I) and noise ~ N(0, beta^-1 I). Integrating
w out gives the evidence

    log p(y | F, alpha, beta) = D/2 log alpha + N/2 log beta - 1/2 sum_i log(alpha + beta s_i)
                                - beta/2 ||y - F m||^2 - alpha/2 ||m||^2 - N/2 log(2 pi),

where s_i are the eigenvalues of F^T F and m = beta (alpha I + beta F^T F)^-1 F^T y is the posterior mean. alpha and
beta are set to the maximum by MacKay's fixed-point updates (the paper's Algorithm 1): gamma = sum beta s_i /
(alpha + beta s_i), alpha = gamma / ||m||^2, beta = (N - gamma) / ||y - F m||^2. LogME is the maximum evidence
divided by N, averaged over the classes; higher means the features suit the labels better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITERATIONS = 100
TOLERANCE = 1e-5  # relative change of alpha / beta that counts as converged


@dataclass
class Evidence:
    """The maximum log evidence per sample of one target column, and the alpha and beta that reach it."""

    value: float
    alpha: float
    beta: float


def spectrum(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-negative eigenvalues s of F^T F and their eigenvectors v (D, k). With fewer samples than features
    (N < D), only the N from the smaller F F^T (v = F^T u / sqrt(s), zero eigenvalues dropped): the others add
    log(alpha) each to the evidence and nothing to the posterior mean, so the result is the same, in O(N^2 D)."""
    n, d = f.shape
    if n >= d:
        s, v = np.linalg.eigh(f.T @ f)
        return np.maximum(s, 0.0), v
    s, u = np.linalg.eigh(f @ f.T)
    keep = s > s.max(initial=0.0) * 1e-12
    s, u = s[keep], u[:, keep]
    return s, (f.T @ u) / np.sqrt(s)


def log_evidence(features: np.ndarray, y: np.ndarray, alpha: float, beta: float) -> float:
    """log p(y | F, alpha, beta) / N for one column y, in closed form (eigendecomposition of F^T F)."""
    f = np.asarray(features, dtype=np.float64)
    s, v = spectrum(f)
    return _evidence(f, np.asarray(y, np.float64), s, v, alpha, beta)[0]


def _evidence(f, y, s, v, alpha, beta):
    n, d = f.shape
    projected = v.T @ (f.T @ y)  # F^T y in the eigenbasis
    m = v @ (beta * projected / (alpha + beta * s))
    residual = float(((y - f @ m) ** 2).sum())
    norm = float((m**2).sum())
    # eigenvalues left out of `s` are zeros: each adds log(alpha + beta * 0)
    value = (d / 2 * np.log(alpha) + n / 2 * np.log(beta) - 0.5 * np.log(alpha + beta * s).sum()
             - 0.5 * (d - len(s)) * np.log(alpha) - beta / 2 * residual - alpha / 2 * norm - n / 2 * np.log(2 * np.pi))
    return value / n, residual, norm


def max_evidence(features: np.ndarray, y: np.ndarray) -> Evidence:
    """Maximize the evidence of one column over alpha and beta (fixed-point iteration from alpha = beta = 1)."""
    f = np.asarray(features, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    s, v = spectrum(f)
    return _maximize(f, y, s, v)


def _maximize(f, y, s, v) -> Evidence:
    n = len(f)
    alpha, beta = 1.0, 1.0
    for _ in range(MAX_ITERATIONS):
        _, residual, norm = _evidence(f, y, s, v, alpha, beta)
        gamma = float((beta * s / (alpha + beta * s)).sum())
        new_alpha = gamma / max(norm, 1e-300)
        new_beta = max(n - gamma, 1e-12) / max(residual, 1e-300)
        done = abs(new_alpha - alpha) <= TOLERANCE * alpha and abs(new_beta - beta) <= TOLERANCE * beta
        alpha, beta = new_alpha, new_beta
        if done:
            break
    return Evidence(_evidence(f, y, s, v, alpha, beta)[0], alpha, beta)


def logme(features: np.ndarray, labels: np.ndarray) -> float:
    """LogME of features (N, D) for integer labels (N,): the mean over classes of the maximum evidence per sample."""
    f = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    s, v = spectrum(f)
    values = [_maximize(f, (labels == k).astype(np.float64), s, v).value for k in np.unique(labels)]
    return float(np.mean(values))
