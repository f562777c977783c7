"""The linear probe is fitted to convergence by L-BFGS on the cached features, its L2 strength chosen on validation,
so it is at least as accurate as scikit-learn's StandardScaler + LogisticRegression(C=1) on the same features; the
record says how the head was fitted, and `fit=sgd` (or features that cannot be cached) keeps the epoch-by-epoch
path."""

from __future__ import annotations

import json

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from transferkit import adapt
from transferkit.api import load_model
from transferkit.diagnosis.stage_features import extract_stage_features
from transferkit.engine.probe_fit import C_GRID


def _sklearn_predictions(backbone, data) -> np.ndarray:
    train = extract_stage_features(backbone, data.train.images).pre_logits.astype(np.float64)
    test = extract_stage_features(backbone, data.test.images).pre_logits.astype(np.float64)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    return model.fit(train, data.train.labels.numpy()).predict(test)


def test_the_probe_is_fitted_by_lbfgs_and_matches_logistic_regression(tiny_model_dir, tiny_digits, tmp_path):
    backbone = load_model(str(tiny_model_dir))
    adapt(backbone, tiny_digits, "linear-probe", out=tmp_path / "run", progress=False)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    phase = record["plan"]["phases"][0]
    fit = phase["fit"]
    assert fit["method"] == "lbfgs" and fit["converged"] and fit["C"] in C_GRID
    assert np.isclose(fit["l2_strength"], 1.0 / (fit["C"] * len(tiny_digits.train)))
    assert [t["C"] for t in fit["tried"]] == list(C_GRID) and phase["epochs_run"] == 1
    assert record["plan"]["definition"]["phases"][0]["fit"] == "lbfgs"
    assert "fitted by L-BFGS to convergence" in record["description"]
    accuracy = record["metrics"]["test"]["accuracy"]
    sklearn = float((_sklearn_predictions(backbone, tiny_digits) == tiny_digits.test.labels.numpy()).mean())
    assert accuracy >= sklearn - 1.0 / len(tiny_digits.test), (accuracy, sklearn)


def test_fit_sgd_and_uncached_features_train_epoch_by_epoch(tiny_model_dir, small_digits):
    backbone = load_model(str(tiny_model_dir))
    sgd = adapt(backbone, small_digits, "linear-probe:fit=sgd", epochs=2, progress=False)
    phase = sgd.record["plan"]["phases"][0]
    assert "fit" not in phase and phase["epochs_run"] == 2 and phase["optimizer"]["name"] == "adamw"
    uncached = adapt(backbone, small_digits, "linear-probe", epochs=2, cache="off", progress=False)
    fit = uncached.record["plan"]["phases"][0]["fit"]
    assert fit["method"] == "sgd" and fit["asked"] == "lbfgs" and "not cached" in fit["why"]
    assert uncached.record["plan"]["phases"][0]["epochs_run"] == 2
    assert "not fitted by L-BFGS" in uncached.record["description"]
