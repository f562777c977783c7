"""Semi-supervised phases read from weights and records: nothing past the threshold is the plan without unlabelled
images; a threshold of 0 trains on every unlabelled image drawn; an epoch is one pass over the unlabelled images."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PIL import Image
from sklearn.datasets import load_digits
import torch

from transferkit import adapt
from transferkit.engine.epoch_sampler import epoch_order
from transferkit.errors import TransferkitError
from transferkit.plans import Phase, Plan


def _plan(**semi) -> Plan:
    return Plan(phases=[Phase(name="tune", epochs=1, train=["all"], lr=0.01, batch_size=16, **semi)])


def _weights(run):
    return {k: v.detach().clone() for k, v in run.backbone.model.state_dict().items()}


def _pool(folder, n: int) -> str:
    """A folder of the first `n` digits as PNG files: unlabelled images without labels."""
    for i, image in enumerate(load_digits().images[:n]):
        Image.fromarray((image * 16).clip(0, 255).astype("uint8")).save(folder / f"{i}.png")
    return str(folder)


def _adapt(model, plan, **data):
    return adapt(str(model), "digits", plan, labels_per_class=3, seed=0, progress=False, keep="last", **data)


@pytest.mark.parametrize("method", ["fixmatch", "pseudo-label"])
def test_threshold_one_equals_the_plan_without_unlabelled_images(tiny_model_dir, method, tmp_path):
    plain = _adapt(tiny_model_dir, _plan())
    # 60 unlabelled images at 2 per labelled one: one pass takes the 2 batches of the 30 labelled images
    semi = _adapt(tiny_model_dir, _plan(semi_supervised=method, threshold=1.0, unlabeled_ratio=2),
                  unlabeled=_pool(tmp_path, 60))
    before, after = _weights(plain), _weights(semi)
    assert all(torch.equal(before[k], after[k]) for k in before)
    record = semi.record["plan"]["phases"][0]["semi_supervised"]
    assert record["per_epoch"][0]["passed"] == 0 and record["per_epoch"][0]["drawn"] > 0
    assert record["unlabeled_images"] == 60 and semi.record["data"]["unlabeled"]["images"] == 60
    assert "60 unlabelled images" in semi.record["description"]


def test_an_epoch_is_one_pass_over_the_unlabelled_images(tiny_model_dir):
    semi = _adapt(tiny_model_dir, _plan(semi_supervised="fixmatch", threshold=1.0, unlabeled_ratio=2),
                  unlabeled="digits")
    record = semi.record["plan"]["phases"][0]["semi_supervised"]
    steps = -(-1797 // (2 * 16))  # 57 steps of 32 unlabelled images; the 30 labelled ones cycled in batches of 16
    assert record["steps_per_epoch"] == steps and record["per_epoch"][0]["drawn"] == steps * 2 * 16
    assert semi.record["history"][0]["images"] == steps * 16
    assert f"each epoch {steps} steps, one pass over the unlabelled images" in semi.record["description"]


def test_the_labelled_images_are_cycled_each_once_per_pass():
    labels = torch.arange(30)
    data = SimpleNamespace(train=SimpleNamespace(labels=labels), unlabeled=torch.zeros(1797))
    torch.manual_seed(0)
    order = list(epoch_order(Phase(batch_size=16, semi_supervised="fixmatch", unlabeled_ratio=2), data)["sampler"])
    assert len(order) == 57 * 16  # 912 = 30 full passes and 12 images of a 31st
    assert all(sorted(order[i:i + 30]) == list(range(30)) for i in range(0, 900, 30))
    assert torch.bincount(torch.tensor(order)).tolist().count(31) == 12


def test_threshold_zero_trains_on_every_unlabelled_image(tiny_model_dir, tmp_path):
    plain = _adapt(tiny_model_dir, _plan())
    semi = _adapt(tiny_model_dir, _plan(semi_supervised="fixmatch", threshold=0.0, unlabeled_ratio=2),
                  unlabeled=_pool(tmp_path, 60))
    epoch = semi.record["plan"]["phases"][0]["semi_supervised"]["per_epoch"][0]
    assert epoch["passed"] == epoch["drawn"] == 2 * 16 * 2  # two batches of 16 labelled images (30 in all)
    before, after = _weights(plain), _weights(semi)
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_a_semi_supervised_phase_without_unlabelled_images_is_refused(tiny_model_dir):
    with pytest.raises(TransferkitError, match="--unlabeled"):
        _adapt(tiny_model_dir, _plan(semi_supervised="fixmatch"))


def test_the_record_scores_the_pseudo_labels_against_the_unlabelled_specs_own_labels(tiny_model_dir, tmp_path):
    labelled = _adapt(tiny_model_dir, _plan(semi_supervised="pseudo-label", threshold=0.0, unlabeled_ratio=2),
                      unlabeled="digits")
    record = labelled.record["plan"]["phases"][0]["semi_supervised"]
    epoch = record["per_epoch"][0]
    assert "never trained on" in record["pseudo_label_accuracy"]
    assert 0.0 < epoch["pseudo_label_accuracy"] < 1.0 and "right" not in epoch
    unknown = _adapt(tiny_model_dir, _plan(semi_supervised="pseudo-label", threshold=0.0, unlabeled_ratio=2),
                     unlabeled=_pool(tmp_path, 8))
    record = unknown.record["plan"]["phases"][0]["semi_supervised"]
    assert "pseudo_label_accuracy" not in record and "pseudo_label_accuracy" not in record["per_epoch"][0]
