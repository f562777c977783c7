"""`StreamedImages`: a split whose pixels stay on disk (or in the source) and are decoded when read.

Only the source, the split's indices and the preprocessing are held in memory. Reading many images goes through a
DataLoader, so `workers` processes decode in parallel. Where the engine takes a uint8 tensor (N, 3, H, W), it takes
this too: `len`, `shape`, and indexing by an int (one image) or by a slice or index array (those images, decoded).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from ..console import track
from .file_source import PROGRESS_MIN_IMAGES
from .preprocessing import Preprocessing
from .sources import ImageSource, sha256_text

PARALLEL_MIN_IMAGES = 256  # fewer images are read in this process: starting workers would cost more
READ_BATCH = 64


class StreamedImages(Dataset):
    """uint8 images (3, H, W) at `preprocessing.size_hw`, item i being `source` image `indices[i]`."""

    def __init__(self, source: ImageSource, indices: np.ndarray, preprocessing: Preprocessing, workers: int = 0):
        self.source, self.preprocessing, self.workers = source, preprocessing, workers
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self), 3, *self.preprocessing.size_hw))

    def __getitem__(self, key) -> torch.Tensor:
        if isinstance(key, (int, np.integer)):
            return self.source.read([int(self.indices[key])], self.preprocessing)[0]
        return self.subset(key).read_all(progress=False)

    def subset(self, key) -> StreamedImages:
        """The images at `key` (a slice, or an index array or tensor), still on disk."""
        if isinstance(key, torch.Tensor):
            key = key.cpu().numpy()
        return StreamedImages(self.source, self.indices[key], self.preprocessing, self.workers)

    def original(self, i: int) -> Image.Image:
        """Image i as stored (an RGB PIL image, not resized), for training transforms at full resolution."""
        return self.source.original(int(self.indices[i]))

    def batches(self, batch_size: int) -> Iterator[torch.Tensor]:
        """uint8 batches in order, decoded by `workers` processes (in this process for small splits)."""
        workers = self.workers if len(self) >= PARALLEL_MIN_IMAGES else 0
        # a generator of its own: reading draws nothing from the global random stream that training uses
        loader = DataLoader(self, batch_size=batch_size, num_workers=workers, generator=torch.Generator(),
                            pin_memory=workers > 0 and torch.cuda.is_available())
        yield from loader

    def read_all(self, *, progress: bool) -> torch.Tensor:
        """Every image decoded into one tensor (the in-memory path), with a progress bar when `progress`."""
        h, w = self.preprocessing.size_hw
        out = torch.empty((len(self), 3, h, w), dtype=torch.uint8)
        if self.source.in_memory:
            return self.source.read(self.indices, self.preprocessing) if len(self) else out
        start = 0
        label = f"Reading {len(self)} images"
        shown = progress and len(self) > PROGRESS_MIN_IMAGES
        for batch in track(self.batches(READ_BATCH), -(-len(self) // READ_BATCH), label, shown):
            out[start : start + len(batch)] = batch
            start += len(batch)
        return out

    def digest(self) -> str:
        """What determines the pixels: the source's fingerprint, the indices and the preprocessing."""
        ids = ",".join(map(str, self.indices.tolist()))
        return sha256_text(f"{self.source.fingerprint()}|{ids}|{self.preprocessing.fingerprint()}")


def take(images: torch.Tensor | StreamedImages, index) -> torch.Tensor | StreamedImages:
    """`images[index]` that stays on disk for streamed images."""
    return images.subset(index) if isinstance(images, StreamedImages) else images[index]


def uint8_batches(images: torch.Tensor | StreamedImages, batch_size: int) -> Iterator[torch.Tensor]:
    """uint8 batches of `images` in order: slices of a tensor, or decoded in worker processes when streamed."""
    if isinstance(images, StreamedImages):
        yield from images.batches(batch_size)
        return
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size]
