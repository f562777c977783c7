"""The mistakes a record carries: highest-loss images, most-confused pairs and calibration, from known inputs."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

from transferkit import adapt
from transferkit.use.mistakes import calibration, confused_pairs, highest_loss


def test_expected_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6]])
    labels = np.array([0, 1, 1, 1])  # right, wrong, right, right
    result = calibration(probs, labels, bins=10)
    # bin (0.8, 0.9]: confidence 0.9, accuracy 0.5; bin (0.5, 0.6]: confidence 0.6, accuracy 1.0
    assert result["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    filled = [b for b in result["reliability"] if b["images"]]
    assert [(b["low"], b["images"], b["accuracy"]) for b in filled] == [(pytest.approx(0.5), 2, 1.0),
                                                                        (pytest.approx(0.8), 2, 0.5)]
    assert result["accuracy"] == 0.75 and result["mean_confidence"] == pytest.approx(0.75)
    perfect = calibration(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1]))
    assert perfect["ece"] == 0.0


def test_confused_pairs_and_highest_loss():
    matrix = [[5, 3, 0], [1, 4, 0], [0, 3, 2]]
    pairs = confused_pairs(matrix, ["a", "b", "c"])
    assert [(p["true"], p["predicted"], p["count"]) for p in pairs] == [("a", "b", 3), ("c", "b", 3), ("b", "a", 1)]
    assert pairs[1]["share_of_true"] == pytest.approx(3 / 5)

    probs = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    labels = np.array([0, 0, 1, 0])
    images = torch.arange(4, dtype=torch.uint8).view(4, 1, 1, 1).expand(4, 3, 200, 120).contiguous()
    gallery = highest_loss(probs, labels, images, ["x", "y"], count=3)
    assert [g["index"] for g in gallery] == [1, 2, 3]  # losses -log 0.2 > -log 0.4 > -log 0.5
    assert gallery[0] == {**gallery[0], "true": "x", "predicted": "y", "correct": False,
                          "confidence": pytest.approx(0.8), "loss": pytest.approx(-np.log(0.2))}
    thumb = Image.open(io.BytesIO(base64.b64decode(gallery[0]["thumbnail"])))
    assert max(thumb.size) == 96 and np.asarray(thumb).max() == 1  # shrunk, and the image's own pixels


def test_a_run_records_its_test_mistakes(tiny_model_dir, small_digits):
    run = adapt(str(tiny_model_dir), small_digits, "linear-probe", epochs=2, progress=False)
    mistakes, test = run.record["mistakes"], run.record["metrics"]["test"]
    assert mistakes["split"] == "test"
    assert mistakes["calibration"]["images"] == test["images"]
    assert mistakes["calibration"]["accuracy"] == test["accuracy"]
    losses = [g["loss"] for g in mistakes["gallery"]]
    assert len(losses) == 12 and losses == sorted(losses, reverse=True)
    matrix = np.array(test["confusion_matrix"])
    classes = run.record["data"]["classes"]
    for pair in mistakes["confused_pairs"]:
        assert matrix[classes.index(pair["true"]), classes.index(pair["predicted"])] == pair["count"]
    wrong = int(matrix.sum() - np.trace(matrix))
    assert sum(not g["correct"] for g in mistakes["gallery"]) == min(12, wrong)
    for g in mistakes["gallery"]:  # the thumbnail is the test image itself
        image = small_digits.test.images[g["index"]].permute(1, 2, 0).numpy()
        thumb = np.asarray(Image.open(io.BytesIO(base64.b64decode(g["thumbnail"]))).convert("RGB"))
        assert np.array_equal(thumb, image)
        assert classes[int(small_digits.test.labels[g["index"]])] == g["true"]
