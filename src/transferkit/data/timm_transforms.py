"""The image transforms of a model, from timm's `create_transform`, with what we add on top.

timm decides the steps from the model's pretrained config (see Preprocessing): for evaluation, a resize that keeps
the aspect ratio and covers input size / crop_pct, then a centre crop; for training, a random resized crop, a
horizontal flip where allowed, and RandAugment. What timm lacks, added here:
- evaluation on batches of uint8 tensors: timm's steps take one image at a time and resize tensors in float; here
  the same steps (sizes, crop boxes) run on torchvision v2's uint8 kernels on whole batches, the pixels that
  every recorded run was trained and evaluated on (timm's own execution rounds some pixels differently);
- random draws that follow torch's generator: timm's RandAugment draws from Python's `random`; here it is seeded
  from torch's generator for each image (draws_from_torch), so runs repeat and epochs replay;
- RandAugment on uint8 tensors (timm's takes PIL images).
Normalization (mean, std) happens on the device, batch by batch, as with timm's `use_prefetcher`: see
Preprocessing.normalize.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from timm.data import create_transform
from timm.data.auto_augment import RandAugment as TimmRandAugment
from timm.data.transforms import MaybePILToTensor, ResizeKeepRatio
from torchvision import transforms
from torchvision.transforms.v2 import functional as TF

from .torch_draws import draws_from_torch

if TYPE_CHECKING:
    from PIL import Image

    from .preprocessing import Preprocessing


def resize_crop(images: torch.Tensor, preprocessing: Preprocessing) -> torch.Tensor:
    """One image (C, H, W) or a batch (N, C, H, W), uint8 or float, through the evaluation steps of timm."""
    for step in eval_steps(preprocessing):
        images = step(images)
    return images


@functools.cache
def eval_steps(preprocessing: Preprocessing) -> tuple[Callable[[torch.Tensor], torch.Tensor], ...]:
    """timm's evaluation transform for `preprocessing`, as steps that run on batches with torchvision v2 kernels."""
    # a crop_pct above 1 (a few timm configs) would shrink the image and pad the crop with black: read as 1, as the
    # exported preprocessing steps describe it (use/export_metadata.py)
    pipeline = create_transform(preprocessing.input_size, is_training=False, interpolation=preprocessing.interpolation,
                                mean=preprocessing.mean, std=preprocessing.std,
                                crop_pct=min(preprocessing.crop_pct, 1.0), use_prefetcher=True)
    return tuple(_batched(step) for step in pipeline.transforms if not isinstance(step, MaybePILToTensor))


def _batched(step) -> Callable[[torch.Tensor], torch.Tensor]:
    """One of timm's evaluation steps as a function of a uint8 batch (N, C, H, W) or image (C, H, W)."""
    if isinstance(step, transforms.Resize):  # an int: the shorter side, the aspect ratio kept
        size = [step.size] if isinstance(step.size, int) else list(step.size)
        return functools.partial(TF.resize, size=size, interpolation=step.interpolation, antialias=True)
    if isinstance(step, ResizeKeepRatio):  # a non-square input: timm picks the size from each image's shape
        def resize_keep_ratio(images: torch.Tensor) -> torch.Tensor:
            size = step.get_params(images, step.size, step.longest)
            return TF.resize(images, size, interpolation=step.interpolation, antialias=True)
        return resize_keep_ratio
    if isinstance(step, transforms.CenterCrop):
        return functools.partial(TF.center_crop, output_size=list(step.size))
    raise TypeError(f"timm's evaluation transform has a step the batched path does not know: {step!r}")


def original_training_transform(preprocessing: Preprocessing, scale: tuple[float, float], flip: bool,
                                randaugment: str | None) -> Callable[[Image.Image], torch.Tensor]:
    """timm's training transform of an original image (any size) to a uint8 tensor (3, H, W) at the input size: a
    random resized crop of `scale` of the area, a horizontal flip where `flip`, then RandAugment where
    `randaugment` (a timm policy, its draws from torch's generator)."""
    pipeline = create_transform(preprocessing.input_size, is_training=True, scale=scale, hflip=0.5 if flip else 0.0,
                                color_jitter=None, auto_augment=randaugment,
                                interpolation=preprocessing.interpolation, mean=preprocessing.mean,
                                std=preprocessing.std, use_prefetcher=True)
    return transforms.Compose([_DrawsFromTorch(step) if isinstance(step, TimmRandAugment) else step
                               for step in pipeline.transforms])


class RandAugment:
    """timm's RandAugment `policy` (e.g. 'rand-m9-mstd0.5') with the settings its training transform gives it for
    `preprocessing` (fill colour, translation, interpolation), on uint8 (3, H, W) images; its draws follow torch's."""

    def __init__(self, policy: str, preprocessing: Preprocessing):
        _, augment, _ = create_transform(preprocessing.input_size, is_training=True, color_jitter=None,
                                         auto_augment=policy, interpolation=preprocessing.interpolation,
                                         mean=preprocessing.mean, std=preprocessing.std, separate=True)
        self.transform = _DrawsFromTorch(augment)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return TF.pil_to_tensor(self.transform(TF.to_pil_image(image)))


class _DrawsFromTorch:
    """A PIL transform whose draws from `random` and `numpy.random` are seeded from torch's generator."""

    def __init__(self, transform: Callable):
        self.transform = transform

    def __call__(self, image):
        with draws_from_torch():
            return self.transform(image)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.transform!r})"
