"""Unlabelled target images (`--unlabeled`): a folder of images in any layout, or any data spec whose labels are
ignored (synthetic:..., csv:FILE, digits, an ImageFolder)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from .file_source import FileEntry, FileSource
from .folder_source import _walk_class
from .loading import read_images
from .preprocessing import Preprocessing
from .sources import ImageSource, sha256_text
from .spec import open_source

UNLABELED = "(unlabeled)"


class UnlabeledFolder(FileSource):
    """Every image file below `root` (hidden files and folders ignored; symlinked folders followed once)."""

    def __init__(self, spec: str, root: Path, *, progress: bool = True):
        self.root = root
        try:
            os.listdir(root)
        except OSError as e:
            raise DataError(f"Cannot list the unlabelled folder {root} ({e.strerror}); check that it exists and is "
                            "readable.") from None
        images, others = _walk_class(root, ".")
        if not images:
            what = f" (only {len(others)} files without an image extension, e.g. {others[0]})" if others else ""
            raise DataError(f"The unlabelled folder {root} has no images{what}; put the unlabelled target images in it "
                            "(any sub-folders).")
        entries = [FileEntry(rel, root / rel, UNLABELED) for rel in images]
        super().__init__(spec, entries, where=f"unlabelled folder {root}",
                         class_label=lambda _name: f"The unlabelled folder {root}", progress=progress)

    def _check_every_class_readable(self, entries, class_label) -> None:
        if not self.entries:
            raise DataError(f"The unlabelled folder {self.root} has no readable images ({len(entries)} unreadable, "
                            "see the warning above); replace them with readable image files.")


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


def open_unlabeled(spec: str, *, progress: bool = True) -> ImageSource:
    """A folder of images in any layout, else whatever `open_source` opens."""
    if not isinstance(spec, str) or not spec.strip():
        raise DataError("The --unlabeled spec is empty; pass a folder of target images or a data spec.")
    if spec.startswith(("synthetic:", "csv:")) or spec == "digits":
        return open_source(spec, progress=progress)
    path = Path(spec).expanduser()
    if not path.exists():
        raise DataError(f"Unlabelled data path '{spec}' does not exist; pass a folder of target images.")
    if path.is_dir():
        return UnlabeledFolder(spec, path, progress=progress)
    return open_source(spec, progress=progress)


def load_unlabeled(spec: str, preprocessing: Preprocessing, *, progress: bool = True) -> UnlabeledImages:
    """Open `spec` as unlabelled images and read all of them at `preprocessing.size_hw`."""
    source = open_unlabeled(spec, progress=progress)
    indices = np.arange(len(source))
    images = read_images(source, indices, preprocessing, progress=progress)
    extra = json.dumps(source.fingerprint_extra(), sort_keys=True)
    fingerprint = sha256_text("\n".join([extra, *sorted(source.item_ids())]))
    return UnlabeledImages(spec, images, fingerprint, list(source.skipped))
