"""Controlled distribution shifts of `synthetic:glyphs`, at the three levels of a network.

- input-level (the pixels change, the drawing does not): `noise` (additive Gaussian), `blur` (Gaussian),
  `contrast` (pulled toward each image's mean, as ImageNet-C does), `invert` (1 - x);
- feature-level: `subpopulation` - every class is drawn from another sub-population of itself: its pen path is a
  class-specific variant of the prototype (same stroke style, same classes, other shapes);
- output-level: `regroup` - the same kind of images, labelled with new classes that each group several glyph
  classes (`groups` of them, from a seeded partition).

Every random number of a shift comes from its own stream of the config's seed, so the classes (prototypes) and
the per-image drawing numbers stay those of the unshifted set with the same `sample`; an input-level shift is the
unshifted sample with a post-processing step, pixel for pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

INPUT_LEVEL = ("noise", "blur", "contrast", "invert")
FEATURE_LEVEL = ("subpopulation",)
OUTPUT_LEVEL = ("regroup",)
SHIFTS = ("none", *INPUT_LEVEL, *FEATURE_LEVEL, *OUTPUT_LEVEL)
WITH_SEVERITY = ("noise", "blur", "contrast", "subpopulation")
SEVERITIES = (1, 5)
DEFAULT_SEVERITY = 3

# per severity 1..5
_NOISE_STD = (0.08, 0.12, 0.18, 0.26, 0.38)  # ImageNet-C gaussian_noise
_CONTRAST = (0.4, 0.3, 0.2, 0.1, 0.05)  # ImageNet-C contrast
_BLUR_PX = (0.6, 0.9, 1.2, 1.6, 2.0)  # Gaussian std in pixels of a 32-pixel image
_VARIANT_STD = (0.02, 0.03, 0.04, 0.055, 0.07)  # control-point displacement of a class variant (unit frame)

# SeedSequence spawn keys of the shift streams (0 and 1 are the prototype and instance streams of glyphs.py)
_VARIANT_STREAM = 2
_GROUP_STREAM = 3


def level_of(shift: str) -> str:
    """'none', 'input', 'feature' or 'output'."""
    if shift in INPUT_LEVEL:
        return "input"
    if shift in FEATURE_LEVEL:
        return "feature"
    if shift in OUTPUT_LEVEL:
        return "output"
    return "none"


@dataclass(frozen=True)
class GlyphShift:
    """Which shift (`kind`), how strong (`severity` 1..5, where it applies), and `groups` for `regroup`."""

    kind: str = "none"
    severity: int = DEFAULT_SEVERITY
    groups: int = 0  # regroup only: number of new classes (0: half the glyph classes)

    @property
    def level(self) -> str:
        return level_of(self.kind)

    def to_dict(self) -> dict:
        out: dict = {"kind": self.kind, "level": self.level}
        if self.kind in WITH_SEVERITY:
            out["severity"] = self.severity
        if self.kind == "regroup":
            out["groups"] = self.groups
        return out

    # -- feature level ---------------------------------------------------------------------------------

    def prototypes(self, protos: np.ndarray, active: np.ndarray, seed: int) -> np.ndarray:
        """The prototypes to draw from: class-specific variants for `subpopulation`, else unchanged."""
        if self.kind != "subpopulation":
            return protos
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_VARIANT_STREAM,)))
        std = _VARIANT_STD[self.severity - 1]
        out = protos.copy()
        for c in range(len(protos)):
            # a smooth deformation of the whole path: each segment's points move together, plus a little each
            seg = rng.normal(0, std, (protos.shape[1], 1, 2))
            point = rng.normal(0, std / 2, protos.shape[1:])
            out[c] = protos[c] + (seg + point) * active[c][:, None, None]
        return out

    # -- input level -----------------------------------------------------------------------------------

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray | None:
        """Per-image random numbers of the post-processing (drawn after every other number), or None."""
        if self.kind == "noise":
            return rng.integers(0, 2**63 - 1, n, dtype=np.int64)
        return None

    def apply(self, img: torch.Tensor, drawn: np.ndarray | None) -> torch.Tensor:
        """Post-process float images (n, 1, H, W) in [0, 1]; `drawn` is this chunk's slice of `draw`."""
        if self.kind == "contrast":
            c = _CONTRAST[self.severity - 1]
            mean = img.mean(dim=(1, 2, 3), keepdim=True)
            return (img - mean) * c + mean
        if self.kind == "invert":
            return 1.0 - img
        if self.kind == "noise":
            std = _NOISE_STD[self.severity - 1]
            noise = np.stack([np.random.default_rng(int(s)).standard_normal(img.shape[1:]) for s in drawn])
            return (img + std * torch.from_numpy(noise).float()).clamp_(0.0, 1.0)
        if self.kind == "blur":
            return _gaussian_blur(img, _BLUR_PX[self.severity - 1] * img.shape[-1] / 32)
        return img

    # -- output level ----------------------------------------------------------------------------------

    def group_of_class(self, classes: int, seed: int) -> np.ndarray | None:
        """For `regroup`: the new class of every glyph class (a seeded, balanced partition), else None."""
        if self.kind != "regroup":
            return None
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_GROUP_STREAM,)))
        order = rng.permutation(classes)
        groups = np.empty(classes, dtype=np.int64)
        groups[order] = np.arange(classes) % self.groups
        return groups


def _gaussian_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur with zero padding (the glyphs' background is black)."""
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    img = F.conv2d(img, kernel.view(1, 1, 1, -1), padding=(0, radius))
    return F.conv2d(img, kernel.view(1, 1, -1, 1), padding=(radius, 0))
