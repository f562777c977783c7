"""LogME (You et al. 2021) against hand-checkable cases: the closed-form evidence, its maximum, and ranking."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from transferkit.diagnosis.logme import log_evidence, logme, max_evidence


def test_evidence_is_the_gaussian_marginal_likelihood():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(25, 3))
    y = f @ np.array([0.5, -1.0, 0.0]) + 0.2 * rng.normal(size=25)
    alpha, beta = 0.7, 3.0
    # y ~ N(0, I / beta + F F^T / alpha) once w ~ N(0, I / alpha) is integrated out
    direct = multivariate_normal(np.zeros(25), np.eye(25) / beta + f @ f.T / alpha).logpdf(y) / 25
    assert log_evidence(f, y, alpha, beta) == pytest.approx(direct, rel=1e-10)


def test_one_feature_one_sample_by_hand():
    # N = D = 1, f = 2, y = 1: y ~ N(0, 1/beta + 4/alpha), so the evidence is -1/2 log(2 pi v) - 1/(2 v)
    v = 1 / 2.0 + 4 / 8.0
    assert log_evidence(np.array([[2.0]]), np.array([1.0]), alpha=8.0, beta=2.0) == pytest.approx(
        -0.5 * np.log(2 * np.pi * v) - 0.5 / v)


def test_fixed_point_reaches_the_maximum_of_a_grid():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(40, 4))
    y = f @ np.array([1.0, -0.5, 0.0, 0.3]) + 0.5 * rng.normal(size=40)
    best = max_evidence(f, y)
    grid = max(log_evidence(f, y, a, b) for a in np.geomspace(1e-2, 1e2, 60) for b in np.geomspace(1e-2, 1e2, 60))
    assert best.value >= grid - 1e-9
    assert best.value == pytest.approx(log_evidence(f, y, best.alpha, best.beta))
    for da, db in ((1.2, 1.0), (1 / 1.2, 1.0), (1.0, 1.2), (1.0, 1 / 1.2)):
        assert log_evidence(f, y, best.alpha * da, best.beta * db) < best.value


def test_features_that_carry_the_labels_score_higher():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 90)
    noise = rng.normal(size=(90, 5))
    informative = noise + 2.0 * np.eye(5)[labels]
    assert logme(informative, labels) > logme(noise, labels) + 0.1


def test_fewer_samples_than_features_gives_the_full_decomposition_s_value():
    import importlib

    module = importlib.import_module("transferkit.diagnosis.logme")
    rng = np.random.default_rng(3)
    f = rng.normal(size=(30, 200))
    labels = np.repeat(np.arange(3), 10)
    s, v = np.linalg.eigh(f.T @ f)
    s = np.maximum(s, 0.0)
    full = module._maximize(f, (labels == 1).astype(float), s, v)
    assert max_evidence(f, (labels == 1).astype(float)).value == pytest.approx(full.value, rel=1e-6)
    assert log_evidence(f, labels.astype(float), 0.3, 2.0) == pytest.approx(
        module._evidence(f, labels.astype(float), s, v, 0.3, 2.0)[0], rel=1e-9)
