"""Training augmentations of uint8 images held in memory: named presets, then timm's RandAugment.

The presets transform one image (3, H, W) already at the input size, with torchvision v2 and torch's generator.
They are not timm's training transform (timm_transforms.py), which crops from an original image of any size
through PIL and draws its crop from Python's `random`: in memory the original is gone, and the pixels and draws
of every run recorded with these presets would change. Streamed training (streamed_training.py) uses timm's.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torchvision.transforms import v2

from ..errors import DataError
from ..settings.choices import AUGMENTATIONS  # the one table; re-exported by data/
from .preprocessing import Preprocessing


def make_augmentation(name: str, size_hw: tuple[int, int],
                      flip: bool = True) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The transform for an augmentation preset, or None for "none".

    light: a small random affine (rotation up to 10 degrees, shift up to 10%, scale 0.9 to 1.1).
    standard: random resized crop (50% to 100% of the area) back to `size_hw`, then a random horizontal flip where
    `flip` (data whose classes survive mirroring). Input and output: uint8 (3, H, W) of the same size.
    """
    if name == "none":
        return None
    if name == "light":
        return v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1))
    if name == "standard":
        crop = v2.RandomResizedCrop(tuple(size_hw), scale=(0.5, 1.0), antialias=True)
        return v2.Compose([crop, v2.RandomHorizontalFlip()] if flip else [crop])
    raise DataError(f"Unknown augmentation {name!r}; choose one of: {', '.join(AUGMENTATIONS)}.")


def augmentation_flips(name: str) -> bool:
    """True when the augmentation preset `name` includes a random horizontal flip (on data that allows flips)."""
    transform = make_augmentation(name, (8, 8))
    parts = transform.transforms if isinstance(transform, v2.Compose) else [transform] if transform else []
    return any(isinstance(part, v2.RandomHorizontalFlip) for part in parts)


def phase_augmentation(augment: str, randaugment: str | None, size_hw: tuple[int, int], flip: bool,
                       preprocessing: Preprocessing) -> Callable | None:
    """A phase's per-image augmentation on the in-memory path: its `augment` preset, then RandAugment."""
    return with_rand_augment(make_augmentation(augment, size_hw, flip), randaugment, preprocessing)


def with_rand_augment(transform: Callable | None, policy: str | None,
                      preprocessing: Preprocessing) -> Callable | None:
    """`transform` (None: none), then timm's RandAugment with `policy` where it is set."""
    if policy is None:
        return transform
    from .timm_transforms import RandAugment

    augment = RandAugment(policy, preprocessing)
    return augment if transform is None else v2.Compose([transform, augment])
