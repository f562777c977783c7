"""`ArraySource`: a source whose grayscale images are held in memory as one uint8 array."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from .preprocessing import Preprocessing
from .sources import ImageSource, sha256_array

_READ_CHUNK = 2048  # images resized per batch; bounds the memory of resize intermediates


class ArraySource(ImageSource):
    """Images uint8 (N, H, W) plus labels, read with batched tensor ops (no per-image PIL)."""

    in_memory = True

    def __init__(self, spec: str, images: np.ndarray, labels: np.ndarray, classes: list[str], id_prefix: str):
        self.spec = spec
        self.images = np.ascontiguousarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.classes = list(classes)
        self.skipped = []
        self._id_prefix = id_prefix

    def item_ids(self) -> list[str]:
        return [f"{self._id_prefix}:{i}" for i in range(len(self.labels))]

    def content_hashes(self) -> list[str]:
        return [hashlib.sha256(image.tobytes()).hexdigest() for image in self.images]

    def fingerprint_extra(self) -> dict:
        """The pixels themselves are hashed too, so a changed generator or data file changes the fingerprint."""
        return {"pixels": sha256_array(self.images)}

    def original(self, index: int) -> Image.Image:
        return Image.fromarray(self.images[index]).convert("RGB")

    def read(self, indices: Sequence[int], preprocessing: Preprocessing) -> torch.Tensor:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        h, w = preprocessing.size_hw
        out = torch.empty((len(idx), 3, h, w), dtype=torch.uint8)
        for start in range(0, len(idx), _READ_CHUNK):
            part = torch.from_numpy(self.images[idx[start : start + _READ_CHUNK]]).unsqueeze(1)
            out[start : start + len(part)] = preprocessing.resize_crop(part).expand(-1, 3, -1, -1)
        return out

