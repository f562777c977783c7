"""Training augmentations: named presets applied to one uint8 image (3, H, W) at a time."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torchvision.transforms import v2

from ..errors import DataError

AUGMENTATIONS = ("none", "light", "standard")


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
