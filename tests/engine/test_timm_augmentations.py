"""Training with timm's augmentations: each one recorded, repeatable with the same seed, changing the weights, never
cached; mixup and CutMix train on soft targets."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file

from transferkit import adapt
from transferkit.engine.phase_setup.batch_augment import BatchAugment
from transferkit.engine.phase_setup.objective import TrainingObjective
from transferkit.plans import Phase

TARGET = "synthetic:glyphs?classes=4&per_class=40&size=16&seed=1"  # 8 labels per class: 32 training images
SETTINGS = {"randaugment": "rand-m9-mstd0.5", "random_erasing": 0.5, "mixup": 0.4, "cutmix": 1.0}


def train(model_dir, out, **settings):
    adapt(str(model_dir), TARGET, "partial:k=1", out=out, epochs=2, labels_per_class=8, batch_size=8,
          progress=False, **settings)
    return load_file(out / "model.safetensors"), json.loads((out / "run.json").read_text())


@pytest.fixture(scope="module")
def plain(tiny_model_dir, tmp_path_factory):
    """The phase without augmentations, on images (as phases with them are)."""
    return train(tiny_model_dir, tmp_path_factory.mktemp("plain") / "run", cache="off")


@pytest.mark.integration
@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_augmentation_is_recorded_repeatable_and_changes_the_weights(name, tiny_model_dir, plain, tmp_path):
    first, record = train(tiny_model_dir, tmp_path / "first", cache="off", **{name: SETTINGS[name]})
    again, _ = train(tiny_model_dir, tmp_path / "again", cache="off", **{name: SETTINGS[name]})
    assert first.keys() == again.keys() == plain[0].keys()
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert any(not torch.equal(first[k], plain[0][k]) for k in first)
    phase = record["plan"]["phases"][0]
    assert phase[name] == SETTINGS[name] and record["plan"]["definition"]["phases"][0][name] == SETTINGS[name]
    assert record["spec"]["overrides"][name] == SETTINGS[name]
    assert plain[1]["plan"]["phases"][0][name] in (None, 0.0)


@pytest.mark.integration
@pytest.mark.parametrize("name", list(SETTINGS))
def test_the_feature_cache_is_off_for_a_phase_with_an_augmentation_and_says_why(name, tiny_model_dir, tmp_path):
    _, cached = train(tiny_model_dir, tmp_path / "plain")
    assert cached["plan"]["phases"][0]["feature_cache"]["used"] is True  # the same phase without it is cached
    _, record = train(tiny_model_dir, tmp_path / "run", **{name: SETTINGS[name]})
    cache = record["plan"]["phases"][0]["feature_cache"]
    assert cache["used"] is False and name in cache["reason"] and "not cached" in cache["reason"]


def test_all_augmentations_together_train_and_report_train_accuracy(tiny_model_dir, tmp_path):
    _, record = train(tiny_model_dir, tmp_path / "run", **SETTINGS)
    for epoch in record["history"]:
        assert 0.0 <= epoch["train_accuracy"] <= 1.0 and epoch["train_loss"] > 0
    assert "soft-target cross-entropy loss on the mixed labels" in record["description"]
    assert "then RandAugment rand-m9-mstd0.5" in record["description"]


def mixed(phase: Phase, n: int = 7, classes: int = 8, seed: int = 1):
    images = torch.randn(n, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(n)
    torch.manual_seed(seed)
    out, targets = BatchAugment(phase, classes, torch.device("cpu"))(images.clone(), labels)
    return images, labels, out, targets


def blended(out, first, second, weight: float) -> bool:
    return torch.allclose(out, first * weight + second * (1 - weight), atol=1e-5)


def pasted(out, first, second, weight: float) -> bool:
    """`out` is `first` with a box of `second` covering 1 - weight of its area."""
    from_second = (out == second).all(0) & (out != first).any(0)
    whole = bool(((out == first).all(0) | from_second).all())
    return whole and abs(float(from_second.float().mean()) - (1 - weight)) < 1e-6


@pytest.mark.parametrize("settings", [{"mixup": 1.0}, {"cutmix": 1.0}, {"mixup": 1.0, "cutmix": 1.0}])
def test_mixup_and_cutmix_give_soft_targets_that_follow_the_mixed_images(settings):
    images, labels, out, targets = mixed(Phase(**settings))
    assert targets.shape == (7, 8) and torch.allclose(targets.sum(1), torch.ones(7))
    assert bool((targets[:6].max(1).values < 1).all())  # the pairs i, 5 - i are mixed
    assert torch.equal(targets[6], torch.nn.functional.one_hot(labels[6], 8).float())  # the odd one out is not
    assert torch.equal(out[6], images[6])
    for i in range(6):
        weight = float(targets[i, labels[i]])
        assert float(targets[i, labels[5 - i]]) == pytest.approx(1 - weight, abs=1e-6)
        kinds = {"mixup": blended(out[i], images[i], images[5 - i], weight),
                 "cutmix": pasted(out[i], images[i], images[5 - i], weight)}
        assert any(kinds[kind] for kind in settings), (i, weight)
    _, _, again, again_targets = mixed(Phase(**settings))
    assert torch.equal(out, again) and torch.equal(targets, again_targets)


def test_with_both_each_batch_is_mixed_or_pasted():
    kinds = set()
    for seed in range(6):
        images, labels, out, targets = mixed(Phase(mixup=1.0, cutmix=1.0), seed=seed)
        weight = float(targets[0, labels[0]])
        kinds.add("mixup" if blended(out[0], images[0], images[5], weight) else
                  "cutmix" if pasted(out[0], images[0], images[5], weight) else "neither")
    assert kinds == {"mixup", "cutmix"}


def test_the_objective_scores_the_mixed_images_against_their_soft_targets():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 8))
    with torch.no_grad():
        model[1].weight.mul_(20)  # confident logits: soft and hard targets give clearly different losses
    inputs = SimpleNamespace(kind="images", data=SimpleNamespace(classes=list("abcdefgh")), model=model,
                             accelerator=SimpleNamespace(device=torch.device("cpu")), normalize=lambda x: x.clone())
    images, labels, out, targets = mixed(Phase(mixup=1.0))
    torch.manual_seed(1)  # the seed `mixed` draws with
    logits, loss = TrainingObjective(inputs, Phase(mixup=1.0))(images, labels)
    logits, loss = logits.detach(), loss.item()
    assert torch.allclose(logits, model(out))
    assert loss == pytest.approx(float(-(targets * logits.log_softmax(1)).sum(1).mean()), rel=1e-6)
    assert loss != pytest.approx(float(torch.nn.functional.cross_entropy(logits, labels)), rel=1e-2)


def test_mixed_targets_carry_the_label_smoothing():
    _, _, _, targets = mixed(Phase(mixup=0.4, label_smoothing=0.1))
    assert float(targets.min()) == pytest.approx(0.1 / 8) and float(targets[6].max()) == pytest.approx(0.9 + 0.1 / 8)


def test_random_erasing_replaces_a_rectangle_of_normalized_pixels_with_noise():
    images, labels, out, targets = mixed(Phase(random_erasing=1.0))
    assert torch.equal(targets, labels)  # no mixing: hard labels
    changed = (out != images).any(1)  # (N, H, W): the erased pixels
    assert all(0 < int(mask.sum()) < 64 for mask in changed)
    rows, cols = changed.any(2), changed.any(1)
    assert all(int(mask.sum()) == int(r.sum()) * int(c.sum()) for mask, r, c in zip(changed, rows, cols))
