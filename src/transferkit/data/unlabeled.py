"""Unlabelled target images (`--unlabeled`): a folder of images in any layout, or any data spec whose labels are
ignored (synthetic:..., csv:FILE, digits, an ImageFolder); `open_unlabeled` finds the source in the registry."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch

from .loading import read_images
from .preprocessing import Preprocessing
from .sources import sha256_text
from .spec import open_unlabeled


@dataclass
class UnlabeledImages:
    """uint8 images (N, 3, H, W) at the model's input size; their labels, if the spec had any, are never read."""

    spec: str
    images: torch.Tensor
    fingerprint: str
    skipped: list[dict]

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def summary(self) -> dict:
        return {"spec": self.spec, "images": len(self), "fingerprint": self.fingerprint,
                "skipped": [dict(s) for s in self.skipped], "num_skipped": len(self.skipped)}


def load_unlabeled(spec: str, preprocessing: Preprocessing, *, progress: bool = True) -> UnlabeledImages:
    """Open `spec` as unlabelled images and read all of them at `preprocessing.size_hw`."""
    source = open_unlabeled(spec, progress=progress)
    indices = np.arange(len(source))
    images = read_images(source, indices, preprocessing, progress=progress)
    extra = json.dumps(source.fingerprint_extra(), sort_keys=True)
    fingerprint = sha256_text("\n".join([extra, *sorted(source.item_ids())]))
    return UnlabeledImages(spec, images, fingerprint, list(source.skipped))
