"""The image transforms come from timm's create_transform: evaluation follows timm's steps (on batches of uint8, with
the pixels of the recorded runs), streamed training is timm's training transform, RandAugment gets timm's settings."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from PIL import Image
from timm.data import create_transform
from timm.data.auto_augment import rand_augment_transform
from timm.data.transforms import str_to_pil_interp
from timm.data.transforms_factory import transforms_imagenet_train
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

from transferkit.data import Preprocessing
from transferkit.data.timm_transforms import RandAugment, eval_steps, original_training_transform

CASES = [  # (input size, crop_pct, interpolation, image size)
    ((32, 32), 1.0, "bilinear", (37, 53)),
    ((32, 32), 0.875, "bicubic", (120, 90)),
    ((48, 48), 1.0, "bilinear", (32, 32)),
    ((16, 16), 0.9, "nearest", (16, 16)),
    ((24, 40), 1.0, "bilinear", (37, 53)),
    ((40, 24), 0.875, "bicubic", (90, 120)),
    ((24, 40), 0.95, "bilinear", (8, 8)),
]


def image(shape: tuple[int, int], channels: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (channels, *shape), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def recorded_resize_crop(images: torch.Tensor, pre: Preprocessing) -> torch.Tensor:
    """The evaluation resize of the runs recorded so far, written out: cover input size / crop_pct keeping the
    aspect ratio (shorter side for a square input), torchvision v2's antialiased resize, then a centre crop."""
    h, w = pre.size_hw
    mode = InterpolationMode(pre.interpolation)
    if h != w:
        box_h, box_w = math.floor(h / pre.crop_pct), math.floor(w / pre.crop_pct)
        ih, iw = images.shape[-2:]
        ratio = min(ih / box_h, iw / box_w)
        images = TF.resize(images, [max(box_h, round(ih / ratio)), max(box_w, round(iw / ratio))],
                           interpolation=mode, antialias=True)
    else:
        images = TF.resize(images, [math.floor(h / pre.crop_pct)], interpolation=mode, antialias=True)
    return TF.center_crop(images, [h, w])


@pytest.mark.parametrize("size, crop_pct, interpolation, shape", CASES)
def test_evaluation_keeps_the_recorded_pixels_one_image_or_a_batch(size, crop_pct, interpolation, shape):
    pre = Preprocessing(input_size=(3, *size), crop_pct=crop_pct, interpolation=interpolation)
    batch = torch.stack([image(shape, seed=i) for i in range(3)])
    out = pre.resize_crop(batch)
    assert out.dtype == torch.uint8 and out.shape == (3, 3, *size)
    assert torch.equal(out, recorded_resize_crop(batch, pre))
    assert torch.equal(pre.resize_crop(batch[1]), out[1])
    gray = image(shape, channels=1)
    assert torch.equal(pre.resize_crop(gray[None])[0], recorded_resize_crop(gray, pre))


@pytest.mark.parametrize("size, crop_pct, interpolation, shape", [c for c in CASES if c[2] != "bicubic"])
def test_evaluation_takes_timms_steps(size, crop_pct, interpolation, shape):
    """timm's own execution (in float) crops the same box: the pixels differ by rounding only."""
    pre = Preprocessing(input_size=(3, *size), crop_pct=crop_pct, interpolation=interpolation)
    x = image(shape)
    timm_eval = create_transform(pre.input_size, is_training=False, interpolation=interpolation, crop_pct=crop_pct,
                                 use_prefetcher=True)
    theirs = timm_eval(x.float()).round()
    ours = pre.resize_crop(x).float()
    assert ours.shape == theirs.shape and float((ours - theirs).abs().max()) <= 1.0
    assert len(eval_steps(pre)) == 2  # a resize and a centre crop


def test_a_crop_fraction_above_one_reads_as_one():
    x = image((37, 53))
    assert torch.equal(Preprocessing(input_size=(3, 32, 32), crop_pct=1.15).resize_crop(x),
                       Preprocessing(input_size=(3, 32, 32), crop_pct=1.0).resize_crop(x))


def timm_settings_rand_augment(policy: str, pre: Preprocessing):
    """RandAugment with the settings timm's training transform gives it, written out."""
    return rand_augment_transform(policy, {"translate_const": int(min(pre.size_hw) * 0.45),
                                           "img_mean": tuple(min(255, round(255 * x)) for x in pre.mean),
                                           "interpolation": str_to_pil_interp(pre.interpolation)})


@pytest.mark.parametrize("pre", [Preprocessing(input_size=(3, 16, 16)),
                                 Preprocessing(input_size=(3, 48, 32), interpolation="bicubic", mean=(0.5,) * 3)])
def test_rand_augment_has_timms_settings_and_draws_from_torch(pre):
    policy = "rand-m9-n3-mstd0.5"
    images = [image((20, 24), seed=i) for i in range(6)]
    reference = timm_settings_rand_augment(policy, pre)
    expected = []
    torch.manual_seed(1)
    for x in images:
        seed = int(torch.randint(2**31 - 1, ()))  # one draw of torch's generator seeds each image's draws
        random.seed(seed)
        np.random.seed(seed)  # timm picks the operations with numpy, their strength with random
        expected.append(TF.pil_to_tensor(reference(TF.to_pil_image(x))))
    torch.manual_seed(1)
    ours = [RandAugment(policy, pre)(x) for x in images]
    assert all(torch.equal(a, b) for a, b in zip(ours, expected))
    assert any(not torch.equal(a, x) for a, x in zip(ours, images))


@pytest.mark.parametrize("flip", [True, False])
def test_streamed_training_is_timms_training_transform_then_rand_augment(flip):
    pre = Preprocessing(input_size=(3, 24, 24), interpolation="bicubic")
    originals = [Image.fromarray(np.random.default_rng(i).integers(0, 256, (60 + 7 * i, 45, 3), dtype=np.uint8))
                 for i in range(6)]
    crop_flip = transforms_imagenet_train((24, 24), scale=(0.5, 1.0), hflip=0.5 if flip else 0.0, color_jitter=None,
                                          interpolation="bicubic", use_prefetcher=True)
    augment = RandAugment("rand-m9-mstd0.5", pre)
    for policy in (None, "rand-m9-mstd0.5"):
        transform = original_training_transform(pre, (0.5, 1.0), flip, policy)
        torch.manual_seed(2)
        random.seed(5)  # timm's crop draws from Python's generator (seeded in each DataLoader worker)
        ours = [transform(x) for x in originals]
        torch.manual_seed(2)
        random.seed(5)
        expected = [crop_flip(x) if policy is None else augment(crop_flip(x)) for x in originals]
        assert all(a.dtype == torch.uint8 and a.shape == (3, 24, 24) for a in ours)
        assert all(torch.equal(a, b) for a, b in zip(ours, expected))
