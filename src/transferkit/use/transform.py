"""The evaluation preprocessing of a model, as one callable: the very steps its run evaluated with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ..data import Preprocessing
from ..data.image_files import UnreadableImage, decode_rgb, read_bytes, to_rgb
from ..errors import DataError

ImageLike = Any  # a path, a PIL image, an (H, W[, C]) uint8 array, or a (C, H, W) tensor (uint8, or float in 0..1)


def to_uint8(image: ImageLike) -> torch.Tensor:
    """Any accepted image as uint8 RGB (3, H, W); file paths are decoded as the data sources decode them (EXIF
    orientation applied, transparency composited onto black). Raises UnreadableImage for a bad file."""
    if isinstance(image, (str, Path)):
        return torch.from_numpy(decode_rgb(read_bytes(Path(image)))).permute(2, 0, 1).contiguous()
    if isinstance(image, Image.Image):
        return torch.from_numpy(to_rgb(image)).permute(2, 0, 1).contiguous()
    if isinstance(image, np.ndarray):
        array = image if image.ndim == 3 else image[..., None]
        return _three_channels(torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1))
    if isinstance(image, torch.Tensor):
        tensor = image if image.ndim == 3 else image[None]
        if tensor.is_floating_point():
            tensor = tensor.mul(255.0).round_().clamp_(0, 255).to(torch.uint8)
        return _three_channels(tensor)
    raise DataError(f"Cannot read an image from a {type(image).__name__}; pass a file path, a PIL image, a numpy "
                    "array (H, W, C) or a tensor (C, H, W).")


def _three_channels(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.dtype != torch.uint8:
        raise DataError(f"Image arrays must be uint8 (0..255) or float tensors in 0..1; got {tensor.dtype}.")
    if tensor.shape[0] == 1:
        return tensor.expand(3, -1, -1).contiguous()
    if tensor.shape[0] == 4:
        return tensor[:3].contiguous()
    if tensor.shape[0] != 3:
        raise DataError(f"Images need 1, 3 or 4 channels; got shape {tuple(tensor.shape)}.")
    return tensor.contiguous()


class EvalTransform:
    """image -> normalized float tensor (3, H, W): decode to RGB, resize keeping the aspect ratio and center-crop to
    the input size (timm's evaluation transform, see data/timm_transforms.py), scale to 0..1, subtract the mean and
    divide by the std."""

    def __init__(self, preprocessing: Preprocessing):
        self.preprocessing = preprocessing

    def resized(self, image: ImageLike) -> torch.Tensor:
        """uint8 (3, H, W) at the model's input size: what the run's data loading produced for its images."""
        return self.preprocessing.resize_crop(to_uint8(image))

    def resized_each(self, images: list[ImageLike]) -> list[torch.Tensor | str]:
        """Per image, uint8 (3, H, W) at the input size, or the reason it cannot be used (a short message)."""
        each: list[torch.Tensor | str] = []
        for image in images:
            try:
                each.append(self.resized(image))
            except (UnreadableImage, DataError) as e:
                each.append(str(e))
        return each

    def resized_all(self, images: list[ImageLike]) -> torch.Tensor:
        """uint8 (N, 3, H, W) of every image; DataError naming the first one that cannot be read."""
        resized = []
        for image in images:
            try:
                resized.append(self.resized(image))
            except UnreadableImage as e:
                raise DataError(f"Image '{image}' cannot be read ({e}); fix or remove it.") from None
        return torch.stack(resized)

    def normalize(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 (N, 3, H, W) at the input size -> the model's input."""
        return self.preprocessing.normalize(batch)

    def __call__(self, image: ImageLike) -> torch.Tensor:
        return self.normalize(self.resized(image)[None])[0]

    def __repr__(self) -> str:
        p = self.preprocessing
        return (f"EvalTransform(input_size={p.input_size}, interpolation={p.interpolation!r}, crop_pct={p.crop_pct}, "
                f"mean={p.mean}, std={p.std})")
