"""Test-time augmentation: the class probabilities averaged over stated views of each image.

A view is `identity`, `flip` (the horizontal mirror image, used only where the run itself trained on flipped
images, so that a flip is known to keep the class), `crop:F` (the central F of each side, resized back to the
input size) or `flip+crop:F`. The model itself is unchanged (an export stays the plain model).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torchvision.transforms.v2 import functional as F

from ..console import logger

DEFAULT_VIEWS = ("identity", "flip")


def _crop(batch: torch.Tensor, fraction: float) -> torch.Tensor:
    h, w = batch.shape[-2:]
    ch, cw = max(1, round(h * fraction)), max(1, round(w * fraction))
    return F.resize(F.center_crop(batch, [ch, cw]), [h, w], antialias=True)


def apply_view(name: str, batch: torch.Tensor) -> torch.Tensor:
    """`batch` (uint8, N x 3 x H x W) as the view `name` shows it."""
    out = batch
    for part in name.split("+"):
        if part == "flip":
            out = out.flip(-1)
        elif part.startswith("crop:"):
            out = _crop(out, float(part[5:]))
    return out


def flips(name: str) -> bool:
    return "flip" in name.split("+")


@dataclass(frozen=True)
class TestViews:
    """The views averaged (`used`) and those left out because the run never trained on flipped images (`dropped`)."""

    used: tuple[str, ...]
    dropped: tuple[str, ...] = ()

    @classmethod
    def choose(cls, requested: bool, names: tuple[str, ...], flip_allowed: bool) -> TestViews:
        """The views of `names` when test-time augmentation is `requested` (else the identity alone)."""
        if not requested:
            return cls(("identity",))
        dropped = () if flip_allowed else tuple(n for n in names if flips(n))
        if dropped:
            logger.warning("Test-time views %s are not applied: this run trained without horizontal flips, so a "
                           "flipped image is not known to keep its class.", ", ".join(dropped))
        used = tuple(n for n in names if n not in dropped) or ("identity",)
        return cls(used, dropped)

    @property
    def augments(self) -> bool:
        return self.used != ("identity",)

    @torch.no_grad()
    def probabilities(self, logits_of, batch: torch.Tensor) -> torch.Tensor:
        """The mean over the views of the softmax of `logits_of(view of batch)`."""
        total = None
        for name in self.used:
            probs = logits_of(apply_view(name, batch)).softmax(1)
            total = probs if total is None else total + probs
        return total if len(self.used) == 1 else total / len(self.used)

    def describe(self) -> str:
        if not self.augments:
            return "no test-time augmentation"
        if self.used == DEFAULT_VIEWS:
            return "each image averaged with its horizontal flip"
        return f"probabilities averaged over the views {', '.join(self.used)}"

    def to_dict(self) -> dict:
        return {"views": list(self.used), "dropped": list(self.dropped), "averaged": "class probabilities",
                "note": "flips only where the run trained on horizontally flipped images"}
