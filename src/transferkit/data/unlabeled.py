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
    """uint8 images (N, 3, H, W) at the model's input size. The spec's own labels, if it had any (`known_classes`,
    `known_labels`), are never trained on: they only score the pseudo-labels in the record."""

    spec: str
    images: torch.Tensor
    fingerprint: str
    skipped: list[dict]
    known_classes: list[str] | None = None
    known_labels: torch.Tensor | None = None

    def labels_in(self, classes: list[str]) -> torch.Tensor | None:
        """The known labels as ids into `classes`, or None when the spec had no labels of those classes."""
        if self.known_labels is None or not set(self.known_classes or ()) <= set(classes):
            return None
        ids = torch.tensor([classes.index(name) for name in self.known_classes], dtype=torch.long)
        return ids[self.known_labels]

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
    labels = torch.as_tensor(np.asarray(source.labels, dtype=np.int64))
    return UnlabeledImages(spec, images, fingerprint, list(source.skipped), list(source.classes), labels)
