"""timm's RandAugment on one uint8 image (3, H, W): through PIL and back, with timm's own settings for its fill
colour (the normalization mean), translation (45% of the shorter side) and interpolation."""

from __future__ import annotations

from collections.abc import Callable

import torch
from timm.data.auto_augment import rand_augment_transform
from timm.data.transforms import str_to_pil_interp
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from .augmentation import make_augmentation
from .preprocessing import Preprocessing
from .torch_draws import draws_from_torch


class RandAugment:
    """`policy` (e.g. 'rand-m9-mstd0.5') applied to uint8 (3, H, W) images; its random draws follow torch's."""

    def __init__(self, policy: str, preprocessing: Preprocessing):
        self.transform = rand_augment_transform(policy, {
            "translate_const": int(min(preprocessing.size_hw) * 0.45),
            "img_mean": tuple(min(255, round(255 * x)) for x in preprocessing.mean),
            "interpolation": str_to_pil_interp(preprocessing.interpolation),
        })

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        with draws_from_torch():
            return TF.pil_to_tensor(self.transform(TF.to_pil_image(image)))


def phase_augmentation(augment: str, randaugment: str | None, size_hw: tuple[int, int], flip: bool,
                       preprocessing: Preprocessing) -> Callable | None:
    """A phase's per-image augmentation on the in-memory path: its `augment` preset, then RandAugment."""
    return with_rand_augment(make_augmentation(augment, size_hw, flip), randaugment, preprocessing)


def with_rand_augment(transform: Callable | None, policy: str | None,
                      preprocessing: Preprocessing) -> Callable | None:
    """`transform` (None: none), then RandAugment with `policy` where it is set."""
    if policy is None:
        return transform
    augment = RandAugment(policy, preprocessing)
    return augment if transform is None else v2.Compose([transform, augment])
