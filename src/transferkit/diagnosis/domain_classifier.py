"""A domain classifier between source and target features (scikit-learn logistic regression), and what it gives:
the proxy A-distance (Ben-David et al. 2007; Ganin et al. 2016) and density ratios p_target(x) / p_source(x)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MAX_PER_DOMAIN = 1_000  # larger sides are subsampled (seeded)
FOLDS = 3
C = 0.1  # inverse L2 strength on standardized features: strong enough that a few hundred images do not overfit


@dataclass
class DomainSeparation:
    """Held-out error of the domain classifier (classes balanced by weight) and the proxy A-distance 2(1 - 2 error).

    0 means the domains cannot be told apart from these features, 2 that they are perfectly separable.
    """

    error: float
    proxy_a_distance: float
    n_source: int
    n_target: int


def _classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))


def _balanced(n_source: int, n_target: int, source_weight: np.ndarray | None) -> np.ndarray:
    """Sample weights: each domain sums to 1 (source weights in proportion to `source_weight`)."""
    ws = np.ones(n_source) if source_weight is None else np.asarray(source_weight, dtype=np.float64)
    return np.concatenate([ws / ws.sum(), np.full(n_target, 1.0 / n_target)])


def _cap(x: np.ndarray, weight: np.ndarray | None, rng: np.random.Generator):
    if len(x) <= MAX_PER_DOMAIN:
        return x, weight
    keep = np.sort(rng.choice(len(x), MAX_PER_DOMAIN, replace=False))
    return x[keep], None if weight is None else weight[keep]


def domain_separation(source: np.ndarray, target: np.ndarray, source_weight: np.ndarray | None = None,
                      *, seed: int = 0) -> DomainSeparation:
    """Cross-validated error of telling target from source features; `source_weight` reweights source images."""
    rng = np.random.default_rng(seed)
    source, source_weight = _cap(source, source_weight, rng)
    target, _ = _cap(target, None, rng)
    x = np.concatenate([source, target]).astype(np.float64)
    y = np.concatenate([np.zeros(len(source), np.int64), np.ones(len(target), np.int64)])
    w = _balanced(len(source), len(target), source_weight)
    wrong = 0.0
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train, test in folds.split(x, y):
        model = _classifier().fit(x[train], y[train], logisticregression__sample_weight=w[train] * len(train))
        wrong += float(w[test][model.predict(x[test]) != y[test]].sum())
    error = wrong / float(w.sum())
    return DomainSeparation(error, float(np.clip(2.0 * (1.0 - 2.0 * error), 0.0, 2.0)), len(source), len(target))


def density_ratio(source_train: np.ndarray, target: np.ndarray, query: np.ndarray) -> np.ndarray:
    """p_target(x) / p_source(x) at `query`, from a domain classifier fitted on balanced domains:
    P(target | x) / P(source | x) (You et al. 2019, DEV, section 4.1)."""
    x = np.concatenate([source_train, target]).astype(np.float64)
    y = np.concatenate([np.zeros(len(source_train), np.int64), np.ones(len(target), np.int64)])
    w = _balanced(len(source_train), len(target), None) * len(x)
    model = _classifier().fit(x, y, logisticregression__sample_weight=w)
    p = np.clip(model.predict_proba(query.astype(np.float64))[:, 1], 1e-6, 1 - 1e-6)
    return p / (1.0 - p)
