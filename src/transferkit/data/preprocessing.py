"""Preprocessing taken from a backbone's pretrained config: input size, resize/crop, mean and std."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

import torch
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

_INTERPOLATIONS = {
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "nearest": InterpolationMode.NEAREST,
}


@dataclass(frozen=True)
class Preprocessing:
    """How images become model input. Built from timm's `resolve_data_config` (see `from_timm_config`)."""

    input_size: tuple[int, int, int] = (3, 224, 224)
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    interpolation: str = "bilinear"
    crop_pct: float = 1.0

    @classmethod
    def from_timm_config(cls, cfg: dict) -> Preprocessing:
        """From a dict as returned by `timm.data.resolve_data_config` (keys input_size, mean, std, ...)."""
        interpolation = str(cfg.get("interpolation", "bilinear"))
        if interpolation not in _INTERPOLATIONS:
            interpolation = "bilinear"
        return cls(
            input_size=tuple(int(v) for v in cfg.get("input_size", (3, 224, 224))),
            mean=tuple(float(v) for v in cfg.get("mean", cls.mean)),
            std=tuple(float(v) for v in cfg.get("std", cls.std)),
            interpolation=interpolation,
            crop_pct=float(cfg.get("crop_pct", 1.0) or 1.0),
        )

    @classmethod
    def from_dict(cls, d: dict) -> Preprocessing:
        return cls.from_timm_config(d)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["input_size"] = list(self.input_size)
        d["mean"] = list(self.mean)
        d["std"] = list(self.std)
        return d

    def with_input_size(self, size: int) -> Preprocessing:
        return Preprocessing(
            (self.input_size[0], size, size), self.mean, self.std, self.interpolation, self.crop_pct
        )

    @property
    def size_hw(self) -> tuple[int, int]:
        return self.input_size[1], self.input_size[2]

    def fingerprint(self) -> str:
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def resize_crop(self, images: torch.Tensor) -> torch.Tensor:
        """Resize keeping the aspect ratio (to cover input size / crop_pct) and center-crop to the input size.

        Works on one image (C, H, W) or a batch (N, C, H, W), uint8 or float, like timm's eval transform.
        """
        h, w = self.size_hw
        mode = _INTERPOLATIONS[self.interpolation]
        if h != w:  # keep the aspect ratio and cover the whole (h, w) box, as timm's ResizeKeepRatio does
            pct = min(self.crop_pct, 1.0)
            box_h, box_w = math.floor(h / pct), math.floor(w / pct)
            ih, iw = images.shape[-2:]
            ratio = min(ih / box_h, iw / box_w)
            size = [max(box_h, round(ih / ratio)), max(box_w, round(iw / ratio))]
            if [ih, iw] != size:
                images = TF.resize(images, size, interpolation=mode, antialias=True)
        else:
            shorter = math.floor(min(h, w) / self.crop_pct) if self.crop_pct < 1.0 else min(h, w)
            if min(images.shape[-2:]) != shorter:
                images = TF.resize(images, [shorter], interpolation=mode, antialias=True)
        if tuple(images.shape[-2:]) != (h, w):
            images = TF.center_crop(images, [h, w])
        return images

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 images (N, C, H, W) -> float tensor normalized with mean and std."""
        x = images.float().div_(255.0)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        return (x - mean) / std
