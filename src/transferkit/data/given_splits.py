"""Given splits: data that comes split (train/val/test folders, a CSV `split` column, IDX train and t10k files)
is used as given; a missing validation or test split is carved from the given train split.

`split_source` is what a run calls: the given splits when the source has them, else `make_split`.
"""

from __future__ import annotations

import numpy as np

from ..console import logger
from ..errors import DataError
from .sources import GIVEN_SPLITS, ImageSource
from .splits import Split, check_split_arguments, make_split, round_half_up

# how a split may be named (folder names, CSV values, lower case) -> its code in GIVEN_SPLITS
SPLIT_NAMES = {"train": 0, "training": 0, "val": 1, "valid": 1, "validation": 1, "test": 2, "testing": 2}
SPLIT_WORDS = "train, val (or valid, validation) or test"
_SHOWN = 3  # classes named in a warning


def split_code(name: str) -> int | None:
    """The code of a split name ('Train', 'valid', ...), or None when it names no split."""
    return SPLIT_NAMES.get(name.strip().lower())


def split_source(source: ImageSource, *, labels_per_class: int | None = None, val_fraction: float = 0.2,
                 test_fraction: float = 0.2, seed: int = 0) -> tuple[Split, dict | None]:
    """The source's given splits (with a description for the record) when it has them, else a drawn split
    (see `make_split`) and None."""
    if source.given_splits is None:
        split = make_split(source.labels, source.classes, labels_per_class=labels_per_class,
                           val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)
        return split, None
    return split_given(source, labels_per_class=labels_per_class, val_fraction=val_fraction,
                       test_fraction=test_fraction, seed=seed)


def split_given(source: ImageSource, *, labels_per_class: int | None = None, val_fraction: float = 0.2,
                test_fraction: float = 0.2, seed: int = 0) -> tuple[Split, dict]:
    """Keep the given validation and test splits; carve the missing ones from each class's given train images
    (`val_fraction` / `test_fraction` of them, at least 1, stratified, with `numpy.random.default_rng(seed)`);
    train on the rest of the given train split, or on `labels_per_class` images drawn from it per class."""
    labels, classes = np.asarray(source.labels, dtype=np.int64), source.classes
    given = np.asarray(source.given_splits)
    check_split_arguments(labels, classes, labels_per_class, val_fraction, test_fraction)
    present = sorted(int(code) for code in np.unique(given))
    if 0 not in present:
        raise DataError("The data comes split but has no train split (only "
                        f"{', '.join(GIVEN_SPLITS[c] for c in present)}); add the training images as the train split.")
    carve = [(code, fraction) for code, fraction in ((1, val_fraction), (2, test_fraction)) if code not in present]
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], ...] = ([], [], [])
    unused = 0
    for c, name in enumerate(classes):
        order = rng.permutation(np.flatnonzero((labels == c) & (given == 0)))
        held: dict[int, np.ndarray] = {}
        for code, fraction in carve:
            n = max(1, round_half_up(len(order) * fraction))
            held[code], order = order[:n], order[n:]
        _check_train_size(name, len(order) + sum(map(len, held.values())), list(held), labels_per_class)
        take = order[:labels_per_class] if labels_per_class is not None else order
        unused += len(order) - len(take)
        parts[0].append(take)
        for code in (1, 2):
            parts[code].append(held[code] if code in held else np.flatnonzero((labels == c) & (given == code)))
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) for p in parts)
    _warn_missing_classes(classes, parts, present)
    info = {
        "given": [GIVEN_SPLITS[code] for code in present],
        "carved": {GIVEN_SPLITS[code]: {"from": "train", "fraction": fraction, "seed": seed, "stratified": True}
                   for code, fraction in carve},
        "unused_train_images": int(unused),
    }
    return Split(train=train, val=val, test=test), info


def _check_train_size(name: str, n: int, carved: list[int], labels_per_class: int | None) -> None:
    need = (labels_per_class or 1) + len(carved)
    if n >= need:
        return
    if n == 0:
        raise DataError(f"Class '{name}' has no images in the given train split; add training images or remove "
                        "the class.")
    uses = [f"{labels_per_class or 1} to train"] + [f"1 to {('validate', 'test')[code - 1]}" for code in carved]
    what = f"--labels-per-class {labels_per_class}" if labels_per_class is not None else "training"
    raise DataError(f"Class '{name}' has {n} image{'' if n == 1 else 's'} in the given train split; {what} needs at "
                    f"least {need} there ({', '.join(uses)}).")


def _warn_missing_classes(classes: list[str], parts, present: list[int]) -> None:
    """A class without images in a given validation or test split cannot be measured there: say so."""
    for code in (1, 2):
        if code not in present:
            continue
        missing = [name for name, chunk in zip(classes, parts[code]) if len(chunk) == 0]
        if missing:
            more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
            logger.warning(f"The given {GIVEN_SPLITS[code]} split has no images of class "
                           f"{', '.join(repr(m) for m in missing[:_SHOWN])}{more}; its accuracy there is not measured.")
