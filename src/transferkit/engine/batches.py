"""Training batches of in-memory images: a dataset that augments each image as it is read, and the one ragged final
batch that training drops."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.data import Dataset


class AugmentedImages(Dataset):
    """uint8 images and labels in memory; `augment` (one image -> one image) applied per access."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, augment: Callable | None = None):
        self.images, self.labels, self.augment = images, labels, augment

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = self.images[i]
        if self.augment is not None:
            image = self.augment(image)
        return image, self.labels[i]


def drop_ragged_batch(n: int, batch_size: int) -> bool:
    """Drop a final batch of one image (batch norm cannot train on it); keep other ragged batches."""
    return n % batch_size == 1 and n > batch_size
