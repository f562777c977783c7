"""Preprocessing taken from a backbone's pretrained config: input size, resize/crop, mean and std."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import torch

INTERPOLATIONS = ("bilinear", "bicubic", "nearest")  # others in a pretrained config fall back to bilinear


@dataclass(frozen=True)
class Preprocessing:
    """How images become model input. Built from timm's `resolve_data_config` (see `from_timm_config`)."""

    input_size: tuple[int, int, int] = (3, 224, 224)
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    interpolation: str = "bilinear"
    crop_pct: float = 1.0

    kind = "images"  # what the network reads (text preprocessing says "text")

    @classmethod
    def from_timm_config(cls, cfg: dict) -> Preprocessing:
        """From a dict as returned by `timm.data.resolve_data_config` (keys input_size, mean, std, ...)."""
        interpolation = str(cfg.get("interpolation", "bilinear"))
        if interpolation not in INTERPOLATIONS:
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

    def write_files(self, folder) -> None:
        """Files a saved model needs beside its weights to read its input (none for images)."""

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
        """Resize keeping the aspect ratio (to cover input size / crop_pct) and center-crop to the input size: timm's
        evaluation transform (see timm_transforms.py). One image (C, H, W) or a batch (N, C, H, W), uint8 or float."""
        from .timm_transforms import resize_crop

        return resize_crop(images, self)

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 images (N, C, H, W) -> float tensor normalized with mean and std."""
        x = images.float().div_(255.0)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
        return (x - mean) / std
