"""`IdxSource`: `idx:DIR`, MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, ...), held in memory.

Sets named train and t10k (or test, val) are given splits; class names come from `classes.txt` in DIR (one
name per line, in label order) when present, else the label numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import DataError
from .array_source import ArraySource
from .idx_files import IdxSet, find_idx_sets, read_idx_set
from .registry import register_source
from .sources import GIVEN_SPLITS

CLASS_FILE = "classes.txt"
# the last word of a set's name -> the split it is
SET_SPLITS = {"train": "train", "training": "train", "t10k": "test", "test": "test", "val": "val", "valid": "val",
              "validation": "val"}


@register_source
class IdxSource(ArraySource):
    """The images and labels of every set in a folder; `given_splits` says which set each image came from."""

    prefix = "idx:"
    mirror_safe = False  # MNIST-format files mostly hold handwriting (Fashion-MNIST says otherwise)
    usage = "'idx:DIR' (MNIST-format IDX files)"
    default_classes: ClassVar[tuple[str, ...] | None] = None  # names when the folder has no classes.txt

    def __init__(self, spec: str, folder: Path):
        self.folder = folder
        sets = sorted(find_idx_sets(folder), key=lambda s: (_split_code(s) is None, _split_code(s) or 0, s.name))
        arrays = [read_idx_set(s) for s in sets]
        sizes = {a.shape[1:] for a, _ in arrays}
        if len(sizes) > 1:
            raise DataError(f"The IDX sets in {folder} have images of different sizes ({sorted(sizes)}); keep one "
                            "data set per folder.")
        raw = np.concatenate([labels for _, labels in arrays])
        present = np.unique(raw)
        names = class_names(folder, int(present[-1]) + 1, self.default_classes)
        super().__init__(spec, np.concatenate([images for images, _ in arrays]), np.searchsorted(present, raw),
                         [names[i] for i in present], id_prefix="idx")
        self._ids = [f"{s.name}:{i}" for s, (_, labels) in zip(sets, arrays) for i in range(len(labels))]
        self.given_splits = _given_splits(folder, sets, [len(labels) for _, labels in arrays])

    @classmethod
    def open(cls, spec: str, argument: str, *, progress: bool = True) -> IdxSource:
        if not argument.strip():
            raise DataError(f"'{spec}' names no folder; pass idx:DIR, the folder that holds the IDX files.")
        folder = Path(argument).expanduser()
        if not folder.exists():
            raise DataError(f"IDX folder '{argument}' does not exist; pass idx:DIR, the folder that holds the IDX "
                            "files.")
        if not folder.is_dir():
            raise DataError(f"'{argument}' is a file; pass idx:DIR with the folder that holds it and its partner "
                            "file (images and labels).")
        return cls(spec, folder)

    def item_ids(self) -> list[str]:
        return list(self._ids)

    def fingerprint_extra(self) -> dict:
        return {**super().fingerprint_extra(), "format": "idx"}


def class_names(folder: Path, needed: int, default: tuple[str, ...] | None) -> list[str]:
    """Names for label ids 0..needed-1: classes.txt in `folder`, else `default`, else the numbers."""
    path = folder / CLASS_FILE
    if not path.is_file():
        names = list(default) if default is not None else [str(i) for i in range(needed)]
        return names + [str(i) for i in range(len(names), needed)]
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise DataError(f"Cannot read {path} ({reason}); write it as UTF-8 text, one class name per line.") from None
    while lines and not lines[-1].strip():
        lines.pop()
    names = [line.strip() for line in lines]
    if "" in names:
        raise DataError(f"{path} line {names.index('') + 1} is empty; write one class name per line, in label order.")
    if len(set(names)) < len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DataError(f"{path} names class '{twice}' twice; name every class once, in label order.")
    if len(names) < needed:
        raise DataError(f"{path} names {len(names)} classes, but the labels go up to {needed - 1}; write one name "
                        "per label, in label order.")
    return names


def _split_code(idx_set: IdxSet) -> int | None:
    split = SET_SPLITS.get(idx_set.name.rsplit("-", 1)[-1].lower())
    return GIVEN_SPLITS.index(split) if split is not None else None


def _given_splits(folder: Path, sets: list[IdxSet], sizes: list[int]) -> np.ndarray | None:
    """One split code per image when the folder holds two or more sets that are splits; None for one set."""
    if len(sets) < 2:
        return None
    codes = [_split_code(s) for s in sets]
    if None in codes or len(set(codes)) < len(codes):
        names = ", ".join(s.name for s in sets)
        raise DataError(f"IDX folder {folder} holds several sets ({names}) that are not one train and one t10k/test "
                        "(or val) split; keep one data set per folder.")
    return np.repeat(np.array(codes, dtype=np.int8), sizes)
