"""--metric: selection and the leaderboard use the user's metric; every run records all of them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from transferkit import compare
from transferkit.errors import RunError
from support.assertions import assert_one_line_error

MAJOR, MINOR = 170, 17  # class 0 has 10x the images of each other class


@pytest.fixture(scope="module")
def imbalanced_folder(tmp_path_factory):
    """An ImageFolder of real handwritten digits 0-3 in which digit 0 has 10 times as many images as each other."""
    root = tmp_path_factory.mktemp("imbalanced") / "digits"
    digits = load_digits()
    for c in range(4):
        (root / str(c)).mkdir(parents=True)
        for i in np.flatnonzero(digits.target == c)[: MAJOR if c == 0 else MINOR]:
            Image.fromarray((digits.images[i] * 15.9).astype(np.uint8)).save(root / str(c) / f"{i}.png")
    return root


@pytest.mark.integration
def test_balanced_accuracy_chooses_on_an_imbalanced_target(tiny_model_dir, imbalanced_folder, tmp_path):
    out = tmp_path / "cmp"
    compare(str(tiny_model_dir), str(imbalanced_folder), "linear-probe:fit=sgd", out=out, seeds=2, epochs=3,
            lr_factors=(0.1, 1, 10), val_fraction=0.4, metric="balanced-accuracy", progress=False,
            keep="last")
    board = json.loads((out / "leaderboard.json").read_text())
    assert board["metric"] == "balanced-accuracy" and board["selection"]["metric_name"] == "balanced-accuracy"
    means: dict[str, dict[float, list[float]]] = {"accuracy": {}, "balanced_accuracy": {}}
    for run in board["runs"]:
        record = json.loads((out / run["dir"] / "run.json").read_text())
        counts = record["data"]["splits"]["train"]["class_counts"]
        assert counts["0"] >= 9 * counts["1"]  # the premise: the training split is imbalanced
        assert run["val"] == record["metrics"]["val"]["balanced_accuracy"]  # the score read is balanced accuracy
        for key in means:
            means[key].setdefault(run["lr_factor"], []).append(record["metrics"]["val"][key])
    by = {key: max(v, key=lambda f: np.mean(v[f])) for key, v in means.items()}
    assert by["accuracy"] != by["balanced_accuracy"]  # the premise: the two metrics prefer different rates
    (row,) = board["rows"]
    assert row["lr_factor"] == by["balanced_accuracy"]
    assert row["val"]["mean"] == pytest.approx(np.mean(means["balanced_accuracy"][row["lr_factor"]]))


def test_bad_metrics_fail_before_any_training(tiny_model_dir, tmp_path):
    four_classes = "synthetic:glyphs?classes=4&per_class=12&size=16"
    cases = [(dict(metric="f1"), ["'metric'", "balanced-accuracy"]),
             (dict(metric="top5"), ["top5", "more than 5 classes", "4"]),
             (dict(holdout=1.5), ["'holdout'"])]
    for kwargs, words in cases:
        assert_one_line_error(RunError, lambda: compare(str(tiny_model_dir), four_classes, "linear-probe",
                                                        out=tmp_path / "cmp", progress=False, **kwargs), *words)
        assert not (tmp_path / "cmp").exists()
