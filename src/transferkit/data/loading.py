"""`load_data`: open a spec, split it, and read every split into uint8 tensors at the model's input size."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import DataError
from .class_list import apply_class_list
from .duplicates import find_duplicates, warn_duplicates
from .given_splits import split_source
from .preprocessing import Preprocessing
from ..settings.reading import ReadSettings
from ..settings import DataRef
from .sources import ImageSource, sha256_text
from .splits import Split
from .spec import open_source
from .streamed_images import StreamedImages


@dataclass
class ImageTensors:
    """One split: uint8 images (N, 3, H, W) at the model's input size (not normalized) and int64 labels. The images
    are a tensor in memory, or `StreamedImages` (decoded on each pass) when the split is larger than the budget.

    `fingerprint` is the sha256 of the split's sorted item ids, each with its class name (for generated
    data also of the generator's config and pixels, since their ids are plain positions).
    """

    images: torch.Tensor | StreamedImages
    labels: torch.Tensor
    fingerprint: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass
class DataSplits:
    """A source split into train / validation / test, with what is needed to record it exactly."""

    spec: str
    classes: list[str]
    train: ImageTensors
    val: ImageTensors
    test: ImageTensors
    skipped: list[dict]
    fingerprint: str  # of the whole source
    options: dict = field(default_factory=dict)  # how it was split: labels_per_class, seed, fractions, classes
    given_splits: dict | None = None  # which splits came with the data and which were carved (None: all drawn)
    duplicates: dict | None = None  # images with the same content across classes or splits (see duplicates.py)
    holdout: ImageTensors | None = None  # part of the validation split that no choice sees (see holdout.py)
    flip: bool = True  # whether training augmentations may flip images horizontally (see ImageSource.mirror_safe)
    # unlabelled images of the target's own distribution (--unlabeled without --source: semi-supervised phases)
    unlabeled: Any = None

    def summary(self) -> dict:
        """A JSON-ready description: spec, fingerprints, classes, skipped files, per-split class counts and how the
        split is read (in memory or streamed), whether the splits were given, and duplicate images."""
        splits = {}
        for name in ("train", "val", "test", "holdout"):
            part: ImageTensors | None = getattr(self, name)
            if part is None:
                continue
            counts = torch.bincount(part.labels, minlength=len(self.classes)).tolist()
            splits[name] = {
                "images": len(part),
                "class_counts": dict(zip(self.classes, counts)),
                "fingerprint": part.fingerprint,
                "read": "streamed" if isinstance(part.images, StreamedImages) else "in memory",
            }
        return {
            "spec": self.spec,
            "fingerprint": self.fingerprint,
            "classes": list(self.classes),
            "skipped": [dict(s) for s in self.skipped],
            "num_skipped": len(self.skipped),
            "splits": splits,
            "given_splits": self.given_splits,
            "duplicates": self.duplicates,
            "horizontal_flip": self.flip,
            **({"unlabeled": self.unlabeled.summary()} if self.unlabeled is not None else {}),
        }


def load_data(data: str | DataRef, preprocessing: Preprocessing, *, seed: int = 0, progress: bool = True,
              reading: ReadSettings | None = None, train_only: bool = False, **ref: object) -> DataSplits:
    """Open a DataRef's spec (or a spec string plus DataRef fields), split it with `seed` (as given, or drawn: see
    `split_source`), and read the three splits at `preprocessing.size_hw` as `reading` says. `train_only`: the
    same training split, with the validation and test splits drawn but neither read nor kept (empty)."""
    ref_ = data if isinstance(data, DataRef) else DataRef(str(data), **ref)
    classes = list(ref_.classes) if ref_.classes is not None else None
    source = open_source(ref_.spec, progress=progress)
    check_input_kind(source, preprocessing)
    check_bad_fraction(source, ref_.max_bad_fraction)
    if classes is not None:
        apply_class_list(source, classes)
    split, given = split_source(source, labels_per_class=ref_.labels_per_class, val_fraction=ref_.val_fraction,
                                test_fraction=ref_.test_fraction, seed=seed)
    if train_only:
        none = np.zeros(0, dtype=np.int64)
        split = Split(train=split.train, val=none, test=none)
    duplicates = find_duplicates(source, {"train": split.train, "val": split.val, "test": split.test})
    warn_duplicates(duplicates, ref_.spec, source.unit)
    tensors = read_parts(source, (split.train, split.val, split.test), preprocessing, progress=progress,
                         reading=reading)
    return DataSplits(
        spec=ref_.spec,
        classes=list(source.classes),
        train=tensors[0],
        val=tensors[1],
        test=tensors[2],
        skipped=list(source.skipped),
        fingerprint=source.fingerprint(),
        options={"labels_per_class": ref_.labels_per_class, "seed": seed, "val_fraction": ref_.val_fraction,
                 "test_fraction": ref_.test_fraction, "classes": classes,
                 **({"train_only": True} if train_only else {})},
        given_splits=given,
        duplicates=duplicates,
        flip=source.mirror_safe,
    )


def check_input_kind(source: ImageSource, preprocessing: Preprocessing) -> None:
    """DataError when the data holds texts and the model reads images, or the other way round."""
    text_data, text_model = source.unit == "texts", preprocessing.kind == "text"
    if text_data and not text_model:
        raise DataError(f"{source.spec} holds texts, but the model reads images; pass a text encoder such as "
                        "--model hf:sentence-transformers/all-MiniLM-L6-v2.")
    if text_model and not text_data:
        raise DataError(f"{source.spec} holds {source.unit}, but the model reads texts; pass text data (csv:FILE with "
                        "a text column, a folder of .txt files, fortunes) or an image model.")


def check_bad_fraction(source: ImageSource, limit: float) -> None:
    """DataError when more than `limit` of the source's images were unreadable (and so left out)."""
    bad = len(source.skipped)
    total = bad + len(source)
    if bad and bad > limit * total:
        raise DataError(f"{bad} of {total} {source.unit} in {source.spec} are unreadable ({bad / total:.1%}), more than "
                        f"--max-bad-fraction {limit:g}; replace or remove them (listed above), or raise "
                        "--max-bad-fraction.")


def read_parts(source: ImageSource, parts, preprocessing: Preprocessing, *, progress: bool,
               reading: ReadSettings | None = None) -> list[ImageTensors]:
    """Disjoint index arrays of `source` as ImageTensors, each with its fingerprint; the parts that fit the memory
    budget are decoded once (in worker processes), the others are streamed."""
    reading = reading or ReadSettings()
    h, w = preprocessing.size_hw
    kept = reading.in_memory([len(idx) * 3 * h * w for idx in parts])
    resident = [idx for idx, keep in zip(parts, kept) if keep]
    decoded = StreamedImages(source, np.concatenate(resident) if resident else np.zeros(0, np.int64), preprocessing,
                             reading.workers).read_all(progress=progress)
    ids = source.item_ids()
    extra = json.dumps(source.fingerprint_extra(), sort_keys=True)  # e.g. a generator's config
    tensors = []
    start = 0
    for idx, keep in zip(parts, kept):
        labels = torch.from_numpy(source.labels[idx].copy())
        lines = sorted(f"{ids[i]}\t{source.classes[source.labels[i]]}" for i in idx)
        fingerprint = sha256_text("\n".join([extra, *lines]))
        if keep:
            images = decoded[start : start + len(idx)]
            start += len(idx)
        else:
            images = StreamedImages(source, idx, preprocessing, reading.workers)
        tensors.append(ImageTensors(images, labels, fingerprint))
    return tensors


def read_images(source: ImageSource, indices: np.ndarray, preprocessing: Preprocessing, *, progress: bool,
                workers: int = 0) -> torch.Tensor:
    """The images of `source` at `indices` decoded into one tensor (by `workers` processes for many files)."""
    return StreamedImages(source, indices, preprocessing, workers).read_all(progress=progress)
