"""timm's RandAugment on both training paths: uint8 images in memory, and images streamed from disk."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from transferkit.data import Preprocessing, StreamedTraining, load_data, with_rand_augment
from transferkit.settings import ReadSettings
from transferkit.data.timm_transforms import RandAugment

from use.folder_data import write_image_folder

PRE = Preprocessing(input_size=(3, 16, 16))
POLICY = "rand-m9-n3-mstd0.5"


def images(n: int = 8) -> torch.Tensor:
    return torch.randint(0, 256, (n, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def apply(transform, batch: torch.Tensor, seed: int) -> torch.Tensor:
    torch.manual_seed(seed)
    return torch.stack([transform(image) for image in batch])


def test_rand_augment_changes_uint8_images_as_torchs_seed_says():
    augment = RandAugment(POLICY, PRE)
    batch = images()
    out = apply(augment, batch, seed=0)
    assert out.dtype == torch.uint8 and out.shape == batch.shape
    assert sum(not torch.equal(a, b) for a, b in zip(out, batch)) >= len(batch) // 2
    assert torch.equal(apply(augment, batch, seed=0), out)
    assert not torch.equal(apply(augment, batch, seed=1), out)


def test_rand_augment_leaves_pythons_and_numpys_generators_as_they_were():
    random.seed(3)
    np.random.seed(3)
    before = (random.random(), float(np.random.rand()))
    random.seed(3)
    np.random.seed(3)
    apply(RandAugment(POLICY, PRE), images(), seed=0)
    assert (random.random(), float(np.random.rand())) == before


def test_rand_augment_follows_the_preset():
    def preset(image):
        return image.flip(-1)

    batch = images(4)
    both = apply(with_rand_augment(preset, POLICY, PRE), batch, seed=0)
    assert torch.equal(both, apply(RandAugment(POLICY, PRE), batch.flip(-1), seed=0))
    assert with_rand_augment(preset, None, PRE) is preset and with_rand_augment(None, None, PRE) is None


@pytest.fixture(scope="module")
def streamed_folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("rand") / "images")


@pytest.fixture(scope="module")
def streamed(streamed_folder):
    reading = ReadSettings(workers=0, memory_budget=0)
    return load_data(str(streamed_folder), PRE, seed=0, progress=False, reading=reading).train


@pytest.mark.parametrize("preset", ["none", "standard"])
def test_streamed_training_images_get_rand_augment_after_the_preset(streamed, preset):
    plain = StreamedTraining(streamed.images, streamed.labels, preset)
    augmented = StreamedTraining(streamed.images, streamed.labels, preset, randaugment=POLICY)
    draws = {}
    for name, dataset in (("plain", plain), ("augmented", augmented), ("again", augmented)):
        torch.manual_seed(0)
        random.seed(0)  # timm's crop of the standard preset draws from Python's generator (seeded in each worker)
        draws[name] = torch.stack([dataset[i][0] for i in range(8)])
    assert draws["augmented"].dtype == torch.uint8 and draws["augmented"].shape == (8, 3, 16, 16)
    assert torch.equal(draws["augmented"], draws["again"])
    assert not torch.equal(draws["augmented"], draws["plain"])


@pytest.mark.integration
def test_a_streamed_run_trains_with_rand_augment_repeatably(tiny_model_dir, streamed_folder, tmp_path):
    from safetensors.torch import load_file

    from transferkit import adapt

    runs = {}
    for name, policy in (("plain", None), ("augmented", POLICY), ("again", POLICY)):
        adapt(str(tiny_model_dir), str(streamed_folder), "partial:k=1", out=tmp_path / name, epochs=1, seed=0,
              workers=2, data_mem="0", randaugment=policy, progress=False)
        runs[name] = load_file(tmp_path / name / "model.safetensors")
    record = json.loads((tmp_path / "augmented" / "run.json").read_text())
    assert record["data"]["splits"]["train"]["read"] == "streamed"
    assert record["plan"]["phases"][0]["randaugment"] == POLICY
    assert all(torch.equal(runs["augmented"][k], runs["again"][k]) for k in runs["plain"])
    assert any(not torch.equal(runs["augmented"][k], runs["plain"][k]) for k in runs["plain"])
