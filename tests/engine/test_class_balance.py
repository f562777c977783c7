"""Imbalanced classes: class-weighted loss and class-balanced sampling as phase settings, and the warning."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.utils.class_weight import compute_class_weight

from transferkit import adapt
from transferkit.data.glyph_source import parse_glyph_options
from transferkit.data.glyphs import generate_glyphs
from transferkit.engine.epoch_sampler import epoch_order
from transferkit.engine.phase_setup.balance import balanced_class_weights
from transferkit.errors import PlanError
from transferkit.plans import Phase

MAJOR, MINOR = 300, 30  # class 0 has 10x the images of each other class


@pytest.fixture(scope="module")
def imbalanced_glyphs(tmp_path_factory):
    """An ImageFolder of 4 glyph classes: 300 images of class 0, 30 of each other class."""
    root = tmp_path_factory.mktemp("imbalanced") / "glyphs"
    images, labels = generate_glyphs(parse_glyph_options(f"classes=4&per_class={MAJOR}&size=16&seed=0"))
    for c in range(4):
        (root / str(c)).mkdir(parents=True)
        for i in np.flatnonzero(labels == c)[: MAJOR if c == 0 else MINOR]:
            Image.fromarray(images[i]).save(root / str(c) / f"{i}.png")
    return root


def test_balanced_class_weights_match_scikit_learn():
    labels = torch.tensor([0] * 90 + [1] * 10 + [3] * 5)
    expected = compute_class_weight("balanced", classes=np.array([0, 1, 3]), y=labels.numpy())
    weights = balanced_class_weights(labels, 4)
    assert weights[[0, 1, 3]].tolist() == pytest.approx(expected.tolist()) and weights[2] == 0


def test_balanced_sampler_draws_every_class_equally_often():
    labels = torch.tensor([0] * 900 + [1] * 100)
    torch.manual_seed(0)
    data = SimpleNamespace(train=SimpleNamespace(labels=labels), unlabeled=None)
    drawn = labels[list(iter(epoch_order(Phase(sampler="balanced"), data)["sampler"]))]
    assert len(drawn) == 1000 and 0.45 < float((drawn == 1).float().mean()) < 0.55


def test_bad_settings_are_refused():
    with pytest.raises(PlanError, match="class_weights"):
        Phase(class_weights="inverse")
    with pytest.raises(PlanError, match="sampler"):
        Phase(sampler="uniform")


def test_class_weights_raise_the_small_classes_accuracy(tiny_model_dir, imbalanced_glyphs, caplog):
    def minority_recall(run):
        matrix = sum(np.array(run.metrics[s]["confusion_matrix"]) for s in ("val", "test"))
        return matrix.diagonal()[1:].sum() / matrix[1:].sum(), matrix.diagonal()[0] / matrix[0].sum()

    common = dict(epochs=1, seed=0, val_fraction=0.4, test_fraction=0.3, progress=False)
    with caplog.at_level(logging.WARNING, logger="transferkit"):
        plain = adapt(str(tiny_model_dir), str(imbalanced_glyphs), "linear-probe:fit=sgd", **common)
    warned = [r.getMessage() for r in caplog.records if "imbalanced" in r.getMessage()]
    assert len(warned) == 1 and "--class-weights balanced" in warned[0]
    assert plain.record["data"]["class_imbalance"]["ratio"] > 5
    weighted = adapt(str(tiny_model_dir), str(imbalanced_glyphs), "linear-probe:fit=sgd", class_weights="balanced", **common)
    assert [p["class_weights"] for p in weighted.record["plan"]["phases"]] == ["balanced"]
    assert "each class's loss weighted" in weighted.description
    (small_plain, large_plain), (small_weighted, large_weighted) = minority_recall(plain), minority_recall(weighted)
    assert small_weighted > small_plain and large_weighted < large_plain
    sampled = adapt(str(tiny_model_dir), str(imbalanced_glyphs), "linear-probe:fit=sgd", sampler="balanced", **common)
    assert [p["sampler"] for p in sampled.record["plan"]["phases"]] == ["balanced"]
    assert minority_recall(sampled)[0] > small_plain
