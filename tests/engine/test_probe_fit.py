"""The linear probe is fitted to convergence by L-BFGS on the cached features, its L2 strength chosen on validation,
so it is at least as accurate as scikit-learn's StandardScaler + LogisticRegression(C=1) on the same features; the
record says how the head was fitted, and `fit=sgd` (or features that cannot be cached) keeps the epoch-by-epoch
path."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from support.assertions import assert_one_line_error
from transferkit import adapt
from transferkit.api import load_model
from transferkit.diagnosis.stage_features import extract_stage_features
from transferkit.engine.probe_fit import C_GRID, fit_probe


def _sklearn_predictions(backbone, data, c: float = 1.0) -> np.ndarray:
    train = extract_stage_features(backbone, data.train.images).pre_logits.astype(np.float64)
    test = extract_stage_features(backbone, data.test.images).pre_logits.astype(np.float64)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
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
    # the saved network is StandardScaler + LogisticRegression at the chosen C (the scaler's std had 1e-5 added to
    # its variance, which lost test images to scikit-learn's own pipeline at the same C)
    accuracy = record["metrics"]["test"]["accuracy"]
    sklearn = _sklearn_predictions(backbone, tiny_digits, fit["C"])
    assert accuracy == float((sklearn == tiny_digits.test.labels.numpy()).mean())


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


def _random_feature_digits(per_class: int, classes: int = 10):
    """scikit-learn's digits through a fixed random ReLU layer (256 features), standardized on the training split:
    `per_class` training images per class, the rest split into validation and test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = digits.target < classes
    x, y = digits.data[keep], digits.target[keep]
    features = np.maximum(x @ np.random.default_rng(0).normal(size=(64, 256)), 0.0)
    order = np.random.default_rng(1).permutation(len(y))
    train = np.concatenate([order[y[order] == c][:per_class] for c in range(classes)])
    rest = np.setdiff1d(order, train)
    val, test = rest[: len(rest) // 2], rest[len(rest) // 2:]
    scaler = StandardScaler().fit(features[train])
    return [(torch.from_numpy(scaler.transform(features[i])), torch.from_numpy(y[i])) for i in (train, val, test)]


def _predictions(weight, bias, x):
    return (x @ weight.T + bias).argmax(1).numpy()


@pytest.mark.parametrize("per_class", [1, 10])
def test_the_fitted_head_is_scikit_learns_logistic_regression_at_the_chosen_c(per_class):
    # A head fitted by torch's L-BFGS to a tighter tolerance ended elsewhere than scikit-learn's and lost test images
    # to StandardScaler + LogisticRegression(C=1) at 1 label per class; now it is that model wherever C = 1 is chosen.
    train, val, test = _random_feature_digits(per_class)
    fit = fit_probe(train, val, 10)
    reference = LogisticRegression(C=fit.c, max_iter=5000).fit(train[0].numpy(), train[1].numpy())
    assert np.allclose(fit.weight.numpy(), reference.coef_, atol=1e-10)
    assert (_predictions(fit.weight, fit.bias, test[0]) == reference.predict(test[0].numpy())).all()
    assert np.allclose(fit.bias.numpy(), reference.intercept_, atol=1e-10) and fit.record()["C"] == fit.c


def test_two_classes_and_a_class_without_training_images():
    train, val, test = _random_feature_digits(5, classes=2)
    fit = fit_probe(train, val, 3)  # a third class the training split never shows
    reference = LogisticRegression(C=fit.c, max_iter=5000).fit(train[0].numpy(), train[1].numpy())
    probabilities = torch.softmax(test[0] @ fit.weight.T + fit.bias, 1).numpy()
    assert np.allclose(probabilities[:, :2], reference.predict_proba(test[0].numpy()), atol=1e-9)
    assert (probabilities.argmax(1) != 2).all() and probabilities[:, 2].max() < 1e-100


def test_the_head_input_is_scaled_as_scikit_learns_standard_scaler_scales_it():
    # small-variance features (as a ReLU network's pre-logits often are) and a constant one: the std once had 1e-5
    # added to the variance, which changed these features' scale by up to a few percent
    from types import SimpleNamespace

    from transferkit.engine.phase_setup import HeadInputStandardizer

    rng = np.random.default_rng(0)
    features = (rng.normal(size=(40, 6)) * [1.0, 0.03, 0.01, 2.0, 0.1, 1.0]).astype(np.float32)
    features[:, 5] = 0.25
    head = torch.nn.Linear(6, 3)
    standardizer = HeadInputStandardizer.from_features(SimpleNamespace(head_module=lambda: head),
                                                       torch.from_numpy(features))
    scaler = StandardScaler().fit(features.astype(np.float64))
    assert np.allclose(standardizer.std.numpy(), scaler.scale_, rtol=1e-12) and standardizer.std[5] == 1.0
    assert np.allclose(standardizer.mean.numpy(), scaler.mean_, rtol=1e-12)
    x = torch.from_numpy(features)
    with torch.no_grad():
        scaled = head(x)
        expected = torch.from_numpy(scaler.transform(features)).float() @ head.weight.T + head.bias
        assert torch.allclose(scaled, expected, atol=1e-5)
        standardizer.fold()
        assert torch.allclose(head(x), scaled, atol=1e-5)


def test_features_that_overflow_stop_the_probe_and_the_standardizer_with_one_line():
    # a network whose activations overflow: scikit-learn would raise its own multi-line ValueError
    from types import SimpleNamespace

    from transferkit.engine.phase_setup import HeadInputStandardizer
    from transferkit.errors import RunError

    train, val, _ = _random_feature_digits(2)
    train[0][3, 1], train[0][5, 0] = float("inf"), float("nan")
    assert_one_line_error(RunError, lambda: fit_probe(train, val, 10), "2 of 20 training images", "NaN or infinite")
    head = torch.nn.Linear(train[0].shape[1], 10)
    net = SimpleNamespace(head_module=lambda: head)
    assert_one_line_error(RunError, lambda: HeadInputStandardizer.from_features(net, train[0]), "2 of 20")
