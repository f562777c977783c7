"""`ImageSource`: the common interface of every data source (folder, CSV, synthetic, bundled digits)."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import torch
from PIL import Image

from .preprocessing import Preprocessing


GIVEN_SPLITS = ("train", "val", "test")  # what the codes of `ImageSource.given_splits` stand for


class ImageSource(ABC):
    """A labelled set of images, opened from a spec string.

    Attributes: `spec` (the string it was opened from), `classes` (class names; their order defines the
    label ids), `labels` (int64, one per image) and `skipped` (unreadable files left out, as dicts with
    `path` and `reason`). `in_memory` is True when all pixels are held in memory, so reading is fast.
    `given_splits` is None, or (when the data comes split) one int8 code per image into `GIVEN_SPLITS`.
    `mirror_safe` says whether a horizontal flip keeps an image's class (not for handwriting or glyphs); training
    augmentations flip only where it does.

    A source class registers once (see registry.py) with `prefix`, the spec it answers to, and `usage`, how
    the spec is written (for messages and help).
    """

    prefix: ClassVar[str | None] = None
    usage: ClassVar[str] = ""
    spec: str
    classes: list[str]
    labels: np.ndarray
    skipped: list[dict]
    in_memory: bool = False
    mirror_safe: ClassVar[bool] = True
    given_splits: np.ndarray | None = None
    unit: ClassVar[str] = "images"  # what the items are called in messages

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> ImageSource:
        """Open `spec`; `argument` is the part after the prefix (a path, or the options after '?')."""
        raise NotImplementedError(f"{cls.__name__} does not open specs.")

    @classmethod
    def open_unlabeled(cls, spec: str, argument: str, *, progress: bool = True) -> ImageSource:
        """Open `spec` as unlabelled images (their labels are never read); by default as `open` does."""
        return cls.open(spec, argument, progress=progress)

    def __len__(self) -> int:
        return int(len(self.labels))

    @abstractmethod
    def item_ids(self) -> list[str]:
        """One stable id per image, in index order ("relpath:sha256" for files, "glyphs:<i>" for generated)."""

    @abstractmethod
    def read(self, indices: Sequence[int], preprocessing: Preprocessing) -> torch.Tensor:
        """Images at `indices` as uint8 (N, 3, H, W), resized and cropped to `preprocessing.size_hw`."""

    @abstractmethod
    def original(self, index: int) -> Image.Image:
        """Image `index` as stored, an RGB PIL image at its own size (training transforms crop from it)."""

    def item_names(self) -> list[str]:
        """One readable name per image, for messages (a relative path for files); by default the item id."""
        return self.item_ids()

    def content_hashes(self) -> list[str] | None:
        """sha256 hex of each image's content (a file's bytes, or the pixels of an in-memory image), or None when
        the source cannot tell without reading every image again (then duplicates are not looked for)."""
        return None

    def fingerprint_extra(self) -> dict:
        """What else determines the images (e.g. a generator's config); part of the fingerprint."""
        return {}

    def fingerprint(self) -> str:
        """sha256 hex over the item ids, labels and classes (and `fingerprint_extra`)."""
        blob = {
            "classes": list(self.classes),
            "items": self.item_ids(),
            "labels": [int(v) for v in self.labels],
            "extra": self.fingerprint_extra(),
        }
        return sha256_text(json.dumps(blob, sort_keys=True, separators=(",", ":")))

    def class_counts(self) -> dict[str, int]:
        """Number of images per class name."""
        counts = np.bincount(self.labels, minlength=len(self.classes))
        return {name: int(n) for name, n in zip(self.classes, counts)}


def sha256_text(text: str) -> str:
    """sha256 hex digest of a UTF-8 string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_array(array: np.ndarray) -> str:
    """sha256 hex digest of an array's dtype, shape and bytes."""
    h = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    h.update(memoryview(np.ascontiguousarray(array)).cast("B"))
    return h.hexdigest()
